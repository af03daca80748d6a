"""rewrite(): each rule table-driven, the fact check, a municipal corpus, the plugin registry."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.yasashii import analyze
from tsunagu.yasashii.analysis import BANDS
from tsunagu.yasashii.lexicon import honorific_patterns, load_data
from tsunagu.yasashii.rewrite import (
    Fact,
    Rewriter,
    RewriteResult,
    RewriterRegistry,
    RuleRewriter,
    dates,
    double_negatives,
    facts,
    honorifics,
    kanji_to_int,
    missing_facts,
    numerals,
    official_terms,
    okonau,
    paraphrase,
    phone_notes,
    place_notes,
    potential,
    reason_notes,
    rewrite,
    sequence_steps,
    split_long,
    time_notes,
    times,
    verb_forms,
)

TODAY = date(2026, 11, 25)
BANDS_ORDER = [name for _, name in reversed(BANDS)]  # hardest first


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("十", 10), ("十一", 11), ("二十四", 24), ("百", 100), ("千五百", 1500),
     ("三万", 30000), ("二万三千五百", 23500), ("一億二千万", 120_000_000), ("二〇二六", 2026)],
)  # fmt: skip
def test_kanji_to_int(numeral: str, value: int) -> None:
    assert kanji_to_int(numeral) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三十人", "30人"),
        ("千五百円", "1500円"),
        ("一万円", "1万円"),
        ("十一月二十四日", "11月24日"),
        ("令和八年", "令和8年"),
        ("午後一時", "午後1時"),
        ("三時十分", "3時10分"),
        ("１２日", "12日"),
        ("一般の方", "一般の方"),
        ("十分に気をつけて", "十分に気をつけて"),
        ("一部の地域", "一部の地域"),
        ("一時避難", "一時避難"),
        ("十リットル", "10リットル"),
        ("一緒に", "一緒に"),
        ("（午後３時）", "（午後3時）"),
    ],
)
def test_numerals(text: str, expected: str) -> None:
    assert numerals(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年11月24日", "11月24日（火曜日）"),
        ("令和8年11月24日", "11月24日（火曜日）"),
        ("令和8年11月24日（火）", "11月24日（火曜日）"),
        ("2027年1月5日", "2027年1月5日（火曜日）"),
        ("平成31年4月30日", "2019年4月30日（火曜日）"),
        ("令和元年5月1日", "2019年5月1日（水曜日）"),
        ("11月24日（火）", "11月24日（火曜日）"),
        ("11月24日", "11月24日"),
        ("2026年11月24日（月）", "2026年11月24日（月）"),  # wrong weekday: left for a human
        ("2026年2月30日", "2026年2月30日"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert dates(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15:30", "15:30"),
        ("9:00", "9:00"),
        ("17時", "午後5時"),
        ("13時15分", "午後1時15分"),
        ("23時", "午後11時"),
        ("午後3時", "午後3時"),
        ("9時", "9時"),
        ("12:00", "12:00"),
        ("24時間", "24時間"),
        ("25:00", "25:00"),
    ],
)
def test_times(text: str, expected: str) -> None:
    assert times(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ご記入ください。", "記入してください。"),
        ("ご提出ください。", "提出してください。"),
        ("ご記入のうえ、", "記入して、"),
        ("ご利用いただけます。", "利用できます。"),
        ("ご協力いただきますようお願いいたします。", "協力してください。"),
        ("お願いいたします。", "お願いします。"),
        ("中止いたしました。", "中止しました。"),
        ("お願い申し上げます。", "お願いします。"),
        ("書類を拝見します。", "書類を見ます。"),
        ("係の者が参ります。", "係の者が行きます。"),
        ("お問い合わせください。", "問い合わせてください。"),
        ("お持ちください。", "持ってきてください。"),
        ("お持ちでない方", "持っていない方"),
        ("お越しください。", "来てください。"),
        ("お待ちください。", "待ってください。"),
        ("ご覧ください。", "見てください。"),
        ("ご覧になれます。", "見ることができます。"),
        ("いらっしゃる方", "いる人"),
        ("召し上がってください。", "食べてください。"),
        ("休館させていただきます。", "休館します。"),
        ("受付でございます。", "受付です。"),
        ("買う必要はございません。", "買う必要はありません。"),
        ("ご不明な点がございましたら", "ご不明な点があったら"),
        ("路上駐車はおやめください。", "路上駐車はやめてください。"),
        ("駐車場がございます。", "駐車場があります。"),
        ("開いております。", "開いています。"),
        ("無料となります。", "無料です。"),
        ("4月から無料となりますので", "4月から無料になりますので"),
        ("受付は17:15までとなっております。", "受付は17:15までです。"),
        ("予約制となっておりますので、", "予約制なので、"),
        ("利用することができます。", "利用できます。"),
        ("14日前から届出をすることができます。", "14日前から届出ができます。"),
        ("24時間いつでも行うことができます。", "24時間いつでもできます。"),
        ("手続きを行うことができます。", "手続きを行うことができます。"),  # okonau's
        ("名前を書いて下さい。", "名前を書いてください。"),
    ],
)
def test_honorifics(text: str, expected: str) -> None:
    assert honorifics(text) == expected


def test_each_honorific_rewrite_removes_its_pattern() -> None:
    """The rewrites of an honorifics.yaml entry realise its `plain` form."""
    for entry, pattern in zip(load_data("honorifics.yaml"), honorific_patterns(), strict=True):
        for regex, _ in entry.get("rewrites") or ():
            if pattern.kind == "尊敬語" and "ださ" in entry["pattern"]:
                continue  # ください is the plain request form the others turn into
            sample = _sample(regex)
            if sample is None or not pattern.regex.search(sample):
                continue
            assert not pattern.regex.search(honorifics(sample)), (entry["pattern"], sample)


def _sample(regex: str) -> str | None:
    """A string the rewrite regex matches (for the literal ones and the ご〇〇 forms)."""
    sample = regex.replace("[ごお]([一-龥]{2})", "ご記入").replace("(?:いた)?", "いた")
    sample = re.sub(r"\(\?:([^|)]*)[^)]*\)\??", r"\1", sample)
    sample = sample.replace("、?", "、")
    return None if re.search(r"[\[\]()?*+\\]", sample) else sample


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("点検を行います。", "点検します。"),
        ("調査を行いました。", "調査しました。"),
        ("住民税の申告を行います。", "住民税の申告をします。"),
        ("訓練を行って", "訓練して"),
        ("工事を行わない日", "工事しない日"),
    ],
)
def test_okonau(text: str, expected: str) -> None:
    assert okonau(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("避難してください。", "にげてください。"),
        ("至急、連絡してください。", "すぐに、連絡してください。"),
        ("至急提出してください。", "すぐに出してください。"),
        ("書類を提出します。", "書類を出します。"),
        ("名前を記入して", "名前を書いて"),
        ("申請は明日までです。", "申し込みは明日までです。"),
        ("申請書", "申請書"),
        ("オンラインで申請できます。", "オンラインで申し込めます。"),
        ("速やかに避難しましょう。", "すぐににげましょう。"),
        ("本人確認します。", "本人確認します。"),
        ("書類を持参してください。", "書類を持ってきてください。"),
        ("ごみを分別して出します。", "ごみを分けて出します。"),
        ("地震が発生しました。", "地震が起きました。"),
        ("雨の場合は中止します。", "雨のときはやめます。"),
        ("午後5時に終了する予定です。", "午後5時に終わる予定です。"),
        ("午後6時に帰宅します。", "午後6時に家に帰ります。"),
        ("転入した方は", "引っ越して来た人は"),
        ("詳細は窓口へ。", "くわしいことは窓口へ。"),
        ("危険な場所", "あぶない場所"),
        ("浸水のおそれがあります。", "浸水かもしれません。"),
        ("マスクを着用しない", "マスクをつけない"),
        ("申請されたもの", "申し込まれたもの"),
        ("提出すれば", "出せば"),
        ("本日のみ", "今日のみ"),
        ("本日のみ。", "今日だけ。"),
        ("自宅で待機してください。", "家で待ってください。"),
    ],
)
def test_paraphrase(text: str, expected: str) -> None:
    assert paraphrase(text) == expected


def test_paraphrase_dictionary_size() -> None:
    data = load_data("rewrite.yaml")
    assert len(data["verbs"]) + len(data["words"]) >= 40
    assert len(data["terms"]) >= 10


@pytest.mark.parametrize(
    ("verb", "te", "renyou", "mizen", "potential"),
    [
        ("書く", "書いて", "書き", "書か", "書け"),
        ("出す", "出して", "出し", "出さ", "出せ"),
        ("にげる", "にげて", "にげ", "にげ", "にげられ"),
        ("使う", "使って", "使い", "使わ", "使え"),
        ("持つ", "持って", "持ち", "持た", "持て"),
        ("申し込む", "申し込んで", "申し込み", "申し込ま", "申し込め"),
        ("選ぶ", "選んで", "選び", "選ば", "選べ"),
        ("持って行く", "持って行って", "持って行き", "持って行か", "持って行け"),
        ("持ってくる", "持ってきて", "持ってき", "持ってこ", "持ってこられ"),
        ("市役所に来る", "市役所に来て", "市役所に来", "市役所に来", "市役所に来られ"),
        ("帰る", "帰って", "帰り", "帰ら", "帰れ"),
        ("する", "して", "し", "し", "でき"),
    ],
)
def test_verb_forms(verb: str, te: str, renyou: str, mizen: str, potential: str) -> None:
    forms = verb_forms(verb)
    assert (forms.te, forms.renyou, forms.mizen, forms.potential) == (te, renyou, mizen, potential)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("使えないわけではありません。", "使えることもあります。"),
        ("申請できないことはありません。", "申請できます。"),
        ("行けなくもない。", "行けます。"),
        ("起きないとは限りません。", "起きるかもしれません。"),
        ("中止せざるを得ません。", "中止するしかありません。"),
        ("行かざるを得ない。", "行くしかありません。"),
        ("わからないことは聞いてください。", "わからないことは聞いてください。"),
    ],
)
def test_double_negatives(text: str, expected: str) -> None:
    assert double_negatives(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("罹災証明書を出します。", "罹災証明書（家などが こわれたことを 証明する 紙）を出します。"),
        ("個人番号を書きます。", "個人番号（マイナンバー）を書きます。"),
        ("住民票と住民票", "住民票（住んでいる ところを 証明する 紙）と住民票"),
        ("個人番号（マイナンバー）", "個人番号（マイナンバー）"),
        ("粗大ごみの日", "粗大ごみ（大きい ごみ）の日"),
        ("出生届を出します。", "出生届（子どもが 生まれたときに 出す 紙）を出します。"),
        ("委任状がいります。", "委任状（ほかの 人に 手続きを たのむことを 書いた 紙）がいります。"),
        ("国民健康保険税", "国民健康保険税（国民健康保険に 入っている 人が 払う 税金）"),
        ("要介護認定の申し込み", "要介護認定（介護が どのくらい いるかを 決めること）の申し込み"),
        ("介護保険課", "介護保険課"),  # a name, not a term of its own
        ("納期限を過ぎた", "納期限（税金を 払う 最後の 日）を過ぎた"),
        ("防犯灯の電気料金", "防犯灯（夜の 道を 明るくする 電灯）の電気料金"),
        ("自治会を通じて", "自治会（地域に 住む 人の 会）を通じて"),
        ("自治会長に", "自治会長に"),  # inside a longer word
    ],
)
def test_official_terms(text: str, expected: str) -> None:
    assert official_terms(text) == expected


def test_official_terms_explained_once_per_text() -> None:
    result = rewrite("住民票を出してください。住民票は窓口でもらえます。", today=TODAY)
    assert result.text.count("住民票は、住んでいる") == 1


def test_an_explanation_follows_the_time_and_place_notes() -> None:
    # Explained in a sentence of its own, after the rules that need the sentence's end.
    result = rewrite(
        "期日前投票は、市役所本庁舎1階で午前8時30分から午後8時まで行います。", today=TODAY
    )
    assert result.text == (
        "期日前投票を行います。場所は、市役所本庁舎1階です。午前8時30分から午後8時までです。"
        "期日前投票は、選挙の 日より 前に する 投票です。"
    )
    assert "（" not in result.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "大雨が降っているので、川や海には近づかないでください。",
            "大雨が降っています。だから、川や海には近づかないでください。",
        ),
        (
            "書類を確かめ、窓口に出してください。",
            "書類を確かめてください。それから、窓口に出してください。",
        ),
        (
            "申し込みは終わりましたが、まだ書類が届いていません。",
            "申し込みは終わりました。でも、まだ書類が届いていません。",
        ),
        (
            "台風が近づいているため、明日の健康診断はありません。",
            "台風が近づいています。だから、明日の健康診断はありません。",
        ),
        (
            "明日は休みなので、窓口は開いていません。",
            "明日は休みです。だから、窓口は開いていません。",
        ),
        ("ごみは朝8時までに出してください。", "ごみは朝8時までに出してください。"),
    ],
)
def test_split_long(text: str, expected: str) -> None:
    assert split_long(text, limit=10) == expected


def test_short_sentences_are_not_split() -> None:
    assert split_long("雨なので、休みです。") == "雨なので、休みです。"


# --- Facts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,000円", {("amount", "3000円")}),
        ("1万5千円", {("amount", "15000円")}),
        ("千五百円", {("amount", "1500円")}),
        ("令和8年11月24日", {("date", "11-24")}),
        ("2027年1月5日", {("date", "2027-01-05")}),
        ("午後3時半", {("time", "15:30")}),
        ("15:00", {("time", "15:00")}),
        ("電話029-273-0111", {("phone", "0292730111")}),
        ("〒312-8501", {("postal", "3128501")}),
        ("https://example.jp/a?b=1。", {("url", "https://example.jp/a?b=1")}),
        ("３０人", {("number", "30")}),
        # The longest city name is the fact: keeping 勝田駅 keeps 勝田.
        ("勝田駅に", {("proper_noun", "勝田駅")}),
    ],
)
def test_facts(text: str, expected: set[tuple[str, str]]) -> None:
    assert {(f.kind, f.value) for f in facts(text, today=TODAY)} == expected


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("令和8年11月24日", "11月24日（火曜日）"),
        ("２０２６年１１月２４日", "11月24日（火曜日）"),
        ("十五時", "午後3時"),
        ("3,000円", "3000円"),
        ("三十人", "30人"),
        ("勝田駅", "勝田駅（かつたえき）"),
    ],
)
def test_equivalent_forms_keep_the_fact(source: str, output: str) -> None:
    assert missing_facts(facts(source, today=TODAY), output, today=TODAY) == ()


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("2027年1月5日", "1月5日"),
        ("3,000円", "300円"),
        ("午後3時", "3時"),
        ("https://a.jp/x", "https://a.jp/"),
        ("勝田駅", "駅"),
    ],
)
def test_changed_forms_lose_the_fact(source: str, output: str) -> None:
    assert missing_facts(facts(source, today=TODAY), output, today=TODAY) != ()


def test_rule_that_drops_a_fact_is_undone(monkeypatch: pytest.MonkeyPatch) -> None:
    # The package exports the function rewrite(), which hides the module of that name.
    module = importlib.import_module("tsunagu.yasashii.rewrite")

    def lossy(sentence: str, ctx: object) -> str:
        return re.sub(r"\d", "", sentence) + "だけ"

    monkeypatch.setattr(module, "RULES", (("lossy", lossy), *module.RULES))
    result = rewrite("ごみは朝8時までにご提出ください。", today=TODAY)
    assert result.text == "ごみは朝8時までに出してください。"
    [fallback] = result.fallbacks
    assert fallback.rule == "lossy"
    assert fallback.missing[0].value == "08:00"
    assert "lossy" not in result.sentences[0].rules


# --- A municipal corpus written for these tests -----------------------------------------

CORPUS = [
    # disaster
    "大雨警報が発表されているので、不要不急の外出は控え、最寄りの避難所へ速やかに避難してください。",
    "令和8年11月24日午後3時、市内全域に避難指示を発令いたしました。",
    "津波のおそれがありますので、海岸付近にいらっしゃる方は直ちに高台へ避難してください。",
    "那珂湊支所では、罹災証明書の申請を受け付けております。",
    "断水が発生した場合は、給水所で一人につき十リットルまでお受け取りいただけます。",
    "指定緊急避難場所は、市のホームページ https://www.city.hitachinaka.lg.jp/bousai/ でご確認いただけます。",
    "停電の復旧には二十四時間以上かかる見込みです。",
    "地震が発生した際は、火の始末を行い、落ち着いて行動してください。",
    # procedures
    "転入届は、引っ越しをした日から14日以内にご提出ください。",
    "住民票の写しは、1通300円で交付いたします。",
    "マイナンバーカードをお持ちでない方は、個人番号が確認できる書類をお持ちください。",
    "申請書にご記入のうえ、市役所1階の市民課窓口へご提出ください。",
    "ご不明な点は、市民課（電話029-273-0111）までお問い合わせください。",
    "郵送で申請する場合は、〒312-8501 ひたちなか市東石川2丁目10番1号へお送りください。",
    "窓口の受付時間は、平日の8:30から17:15までとなっております。",
    # tax
    "令和8年度の住民税の納付期限は、2026年12月25日です。",
    "固定資産税は、年4回に分けてお支払いいただくことができます。",
    "確定申告の相談会を、2027年2月16日から勝田駅前の会場で行います。",
    "期限までに納付されない場合は、延滞金が発生することがありますので、ご注意ください。",
    # garbage
    "粗大ごみは事前にお申し込みいただきますようお願いいたします。",
    "燃えるごみは、月曜日と木曜日の朝8時までに指定の集積所へお出しください。",
    "資源物は、種類ごとに分別して排出してください。",
    "スプレー缶は、中身を使い切ってから出さなければなりません。",
    # health check-ups
    "特定健診は、40歳から74歳までの国民健康保険の加入者が対象です。",
    "受診の際は、保険証と受診券を必ずご持参ください。",
    "がん検診の自己負担額は、五百円から千五百円です。",
    "ひたちなか市保健センターでは、乳幼児の健康相談を毎月第2火曜日に実施しております。",
    # school
    "台風が接近しているため、明日は臨時休校といたします。",
    "給食費は、毎月10日に指定の口座から引き落とされます。",
    "就学援助の申請は、各学校または教育委員会で受け付けております。",
    "入学説明会は、令和9年2月3日（水）午前10時から体育館で開催いたします。",
]


@pytest.fixture(scope="module")
def corpus_results() -> list[RewriteResult]:
    return [rewrite(s, today=TODAY) for s in CORPUS]


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_corpus_keeps_every_fact(index: int, corpus_results: list[RewriteResult]) -> None:
    source, result = CORPUS[index], corpus_results[index]
    assert result.missing == ()
    assert missing_facts(facts(source, today=TODAY), result.text, today=TODAY) == ()


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_corpus_is_not_harder(index: int, corpus_results: list[RewriteResult]) -> None:
    """Never a harder band. A lower score in the same band is allowed: jReadability
    penalises the verb of にげてください against 避難してください, which the guidelines ask
    for (see ``_rewrite_sentence``)."""
    before, after = analyze(CORPUS[index]), analyze(corpus_results[index].text)
    assert BANDS_ORDER.index(after.band) >= BANDS_ORDER.index(before.band), after.band


def test_corpus_mostly_changes(corpus_results: list[RewriteResult]) -> None:
    changed = sum(r.text != s for s, r in zip(CORPUS, corpus_results, strict=True))
    assert changed >= len(CORPUS) - 2


def test_corpus_average_gain(corpus_results: list[RewriteResult]) -> None:
    gains = [
        analyze(r.text).score - analyze(s).score
        for s, r in zip(CORPUS, corpus_results, strict=True)
    ]
    assert sum(gains) / len(gains) > 0.5
    # A few sentences score lower in the same band: the verbs of guideline paraphrases.
    assert sum(g < 0 for g in gains) <= 8


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("至急、避難してください。", "すぐに、にげてください。"),
        ("ご記入のうえ、至急ご提出ください。", "書いて、すぐに出してください。"),
        ("令和8年11月24日（火）に点検を行います。", "11月24日（火曜日）に調べます。"),
        ("集合は15時です。", "集合は午後3時です。"),
        ("", ""),
        ("一行目。\n\n二行目。", "一行目。\n\n二行目。"),
    ],
)
def test_rewrite_examples(source: str, expected: str) -> None:
    assert rewrite(source, today=TODAY).text == expected


NAUGHTY = [
    "",
    "\x00",
    "　",
    "。。。、、、",
    "🌀🌀 ご記入ください 🌀",
    "<script>alert(1)</script>を行います",
    "令和99年2月30日と令和元年13月1日",
    "99999999999999999999円",
    "一億兆円",
    "\r\n\r\n至急\r\n",
    "ないないないことはありません",
    "（（（避難してください",
    "、ので、が、し、て、",
    "ご記入ください。" * 200,
]


@pytest.mark.parametrize("text", NAUGHTY)
def test_naughty_strings(text: str) -> None:
    result = rewrite(text, today=TODAY)
    assert result.missing == ()
    assert missing_facts(facts(text, today=TODAY), result.text, today=TODAY) == ()


# --- Property ----------------------------------------------------------------------------

WORDS = ["市役所", "に", "を", "は", "、", "。", "避難", "して", "ください", "提出", "ご記入",
         "いたします", "ので", "ため", "が", "し", "令和", "年", "月", "日", "時", "円", "三十",
         "千五百", "勝田", "ない", "ことはありません", "場合", "を行います", "\n", " ", "（", "）"]  # fmt: skip
NUMBERS = st.integers(min_value=0, max_value=99999).map(str)
URLS = st.sampled_from(["https://example.jp/", "https://a.lg.jp/x?y=1", "http://b.jp/3-4"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS), NUMBERS, URLS), max_size=25))
def test_rewrite_never_raises_nor_loses_a_number_or_url(parts: list[str]) -> None:
    text = "".join(parts)
    result = rewrite(text, today=TODAY)
    kept = {(f.kind, f.value) for f in facts(result.text, today=TODAY)}
    for f in facts(text, today=TODAY):
        if f.kind in ("number", "url", "amount", "date", "time"):
            assert (f.kind, f.value) in kept, (text, result.text, f)
    assert result.missing == ()


# --- Rewriter plugins --------------------------------------------------------------------


class EchoUpper:
    """A stand-in for an LLM rewriter."""

    def __init__(self, name: str, output: str) -> None:
        self.name = name
        self.output = output

    def check_config(self) -> list[str]:
        return []

    def rewrite(self, text: str, *, today: date) -> RewriteResult:
        return RewriteResult(self.output, (), facts(text, today=today), (), self.name)


def test_registry_default_and_plugin() -> None:
    registry = RewriterRegistry()
    registry.register(RuleRewriter())
    registry.register(EchoUpper("llm", "すぐに にげてください。午後3時です。"))
    assert registry.names() == ("rules", "llm")
    assert isinstance(registry.get("llm"), Rewriter)
    assert registry.check_config() == []
    result = rewrite(
        "至急避難してください。15時です。", today=TODAY, rewriter="llm", rewriters=registry
    )
    assert result.rewriter == "llm"
    assert result.text == "すぐに にげてください。午後3時です。"
    with pytest.raises(ValueError, match="already registered"):
        registry.register(RuleRewriter())
    with pytest.raises(KeyError):
        registry.get("missing")


def test_plugin_that_loses_a_fact_falls_back_to_the_rules() -> None:
    registry = RewriterRegistry()
    registry.register(RuleRewriter())
    registry.register(EchoUpper("llm", "すぐに にげてください。"))
    result = rewrite(
        "至急避難してください。15時です。", today=TODAY, rewriter="llm", rewriters=registry
    )
    assert result.rewriter == "rules"
    assert result.text == "すぐににげてください。午後3時です。"
    assert result.fallbacks[0].rule == "rewriter:llm"
    assert result.fallbacks[0].missing == (Fact("time", "15時", "15:00"),)


# --- CLI ---------------------------------------------------------------------------------


def run(*args: str, stdin: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tsunagu.yasashii", *args],
        input=stdin.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=60,
    )


def test_cli_rewrite() -> None:
    result = run("rewrite", stdin="ご記入のうえ、至急ご提出ください。\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == "書いて、すぐに出してください。\n"


def test_cli_rewrite_json() -> None:
    result = run("rewrite", "--json", stdin="至急避難してください。電話029-273-0111")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.decode("utf-8"))
    assert data["text"] == "すぐににげてください。電話029-273-0111"
    assert data["sentences"][0]["rules"] == ["paraphrase", "paraphrase_verbs"]
    assert {"kind": "phone", "text": "029-273-0111", "value": "0292730111"} in data["facts"]
    assert data["missing"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市民課（電話029-273-0111）まで連絡してください。",
         "市民課まで連絡してください。電話番号は、029-273-0111です。"),
        ("課（TEL 029-273-0111）へ。", "課へ。電話番号は、029-273-0111です。"),
        ("市民課（029-273-0111）まで", "市民課（029-273-0111）まで"),  # no 。: left alone
        ("電話029-273-0111まで。", "電話029-273-0111まで。"),
    ],
)  # fmt: skip
def test_phone_notes(text: str, expected: str) -> None:
    assert phone_notes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "本人確認書類として、運転免許証またはパスポートを提示してください。",
        "このお知らせについて、くわしいことは市のホームページで見てください。",
        "台風の接近に伴って、明日のごみの収集はやめることにしました。",
    ],
)
def test_compound_particles_are_not_clause_boundaries(text: str) -> None:
    assert split_long(text, limit=0) == text


def test_official_terms_inside_a_compound_stay_bare() -> None:
    assert official_terms("印鑑登録証明書を出してください。") == "印鑑登録証明書を出してください。"
    assert official_terms("印鑑を持ってきてください。") == "印鑑（はんこ）を持ってきてください。"


def test_honorific_no_ue() -> None:
    assert honorifics("通帳をお持ちのうえ、窓口へ") == "通帳を持ってきて、窓口へ"
    assert honorifics("収集いたしかねます。") == "収集できません。"
    assert honorifics("受付をお済ませください。") == "受付をすませてください。"


def test_a_purpose_is_not_split_as_a_reason() -> None:
    text = "食中毒を防ぐため、調理の前には必ず手を洗ってください。"
    assert split_long(text, limit=0) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("88歳の方にお贈りいたします。", "88歳の方に贈ります。"),
        ("結果をお知らせします。", "結果を知らせます。"),
        ("よろしくお願いします。", "よろしくお願いします。"),
        ("避難される方は", "避難する人は"),
        ("急傾斜地にお住まいの方は", "急傾斜地に住んでいる方は"),
        ("口座振替をご希望の方は", "口座振替を希望する人は"),
        ("献血にご協力いただける方は", "献血に協力できる人は"),
        ("ご相談をお受けしております。", "相談を受けています。"),
        ("お電話でご相談ください。", "電話で相談してください。"),
        ("ご意見は、", "意見は、"),
        ("ご都合", "ご都合"),  # not an everyday noun of the list
        ("入居される世帯の収入", "入居する世帯の収入"),
        ("設置を希望される場合は", "設置を希望する場合は"),
        ("認定される世帯", "認定される世帯"),  # may be a passive: stays
        ("参加される。", "参加される。"),  # not before a noun
        ("欠席されるときは、", "欠席するときは、"),
        ("被災された家", "被災した家"),
        ("受診券を紛失された方は", "受診券を紛失した方は"),  # 方 → 人 is a paraphrase
    ],
)
def test_humble_and_respectful_verbs(text: str, expected: str) -> None:
    assert honorifics(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("暗証番号を3回続けて間違えると、ロックがかかります。",
         "暗証番号を3回続けて間違えます。そうすると、ロックがかかります。"),
        ("警戒情報が発表されたため、早めににげてください。",
         "警戒情報が発表されました。だから、早めににげてください。"),
        ("手続きをしないと、資格を失うことになります。",
         "手続きをしないと、資格を失うことになります。"),  # a negative condition stays
    ],
)  # fmt: skip
def test_split_conditions_and_passive_reasons(text: str, expected: str) -> None:
    assert split_long(text, limit=0) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1週間程度かかります。", "1週間ぐらいかかります。"),
        ("ある程度の量", "ある程度の量"),
        ("事前に申し込んでください。", "前に申し込んでください。"),
        ("返信用封筒を同封してください。", "返信用封筒をいっしょに入れてください。"),
        ("証明書を取得できます。", "証明書をもらえます。"),
        ("窓口が大変混雑します。", "窓口がとても混みます。"),
        ("それは大変です。", "それは大変です。"),
        ("手続きに要する時間", "手続きにかかる時間"),
        ("不審な電話", "あやしい電話"),
        ("水道管の工事のため、断水します。", "水道管の工事で、水が止まります。"),
        ("予防のため、手を洗います。", "予防のため、手を洗います。"),  # a purpose stays
        ("工事のための費用", "工事のための費用"),
        ("委任状が必要です。", "委任状がいります。"),
        ("必要な書類", "いる書類"),
        ("必要なときは", "必要なときは"),
        ("台風の接近に伴い、休みます。", "台風の接近で、休みます。"),
        ("申請により減額します。", "申請で減額します。"),
        ("17時をもって終わります。", "17時で終わります。"),
        ("ご注意ください。", "ご注意ください。"),  # the honorific rule runs first
        ("注意してください。", "気をつけてください。"),
        ("物を置かないようお願いします。", "物を置かないでください。"),
        ("迷惑にならないようお願いします。", "迷惑にならないようにしてください。"),
        ("認知症に関する相談は", "認知症の相談は"),
        ("ごみの出し方についての問い合わせ", "ごみの出し方の問い合わせ"),
        ("それについての、", "それについての、"),  # not before a noun
        ("対象となる子どもに", "対象の子どもに"),
        ("手続きが必要となるとき", "手続きがいるとき"),
        ("所得に応じて決めます。", "所得によって決めます。"),
        ("子育ての相談に応じています。", "子育ての相談を受けています。"),
        ("利用料は、月額5,000円です。", "利用料は、1か月5,000円です。"),
        ("各種証明書", "いろいろな証明書"),
        ("引き続き気をつけてください。", "これからも気をつけてください。"),
        ("例年3月に", "毎年3月に"),
        ("引かれる方と納める方がいます。", "引かれる人と納める人がいます。"),
        ("早く行った方がいいです。", "早く行った方がいいです。"),  # 方 (ほう) compares
        ("夏休み期間中は", "夏休みの間は"),
        ("市内の全小学校で", "市内のすべての小学校で"),
        ("正午まで", "昼の12時まで"),
        ("広場を開放しています。", "広場を開いています。"),
        ("固定資産税が課税されます。", "固定資産税がかかります。"),
        ("雨天のとき", "雨のとき"),
        ("心身の状況を", "体と心の様子を"),
        ("不審者の情報", "あやしい人の情報"),
        ("多量のごみ", "たくさんのごみ"),
        ("保健師が家庭を訪問します。", "保健師が家庭に行きます。"),
        ("災害時に支援が必要な人", "災害のときに手伝いがいる人"),
        ("急傾斜地に住んでいる人", "がけの近くに住んでいる人"),
        ("那珂川の水位が上がっています。", "那珂川の水の高さが上がっています。"),
        ("家具の転倒を防ぐため", "家具が倒れるのを防ぐため"),
        ("お子さんのいるご家庭", "子どものいる家"),
        ("お気軽に", "いつでも"),
        ("窓口が混雑します。", "窓口が混みます。"),
        ("落ち着いて行動してください。", "落ち着いて動いてください。"),
        ("午後4時まで断水します。", "午後4時まで水が止まります。"),
        ("断水の時間", "断水の時間"),  # the noun alone stays
        ("写真を撮影しておいてください。", "写真を撮っておいてください。"),
        ("業者に依頼してください。", "業者にたのんでください。"),
        ("水位が上昇しています。", "水の高さが上がっています。"),
        ("市報を発行します。", "市報を出します。"),
        ("再発行します。", "もう一度出します。"),
        ("即日発行します。", "即日発行します。"),  # inside a compound
        ("保育料を決定します。", "保育料を決めます。"),
        ("土地や家屋を売却した", "土地や家を売った"),
        ("市営住宅", "市営住宅"),
        ("道路の工事", "道の工事"),
        ("道路管理課", "道路管理課"),
        ("夜間は守衛室へ", "夜は守衛室へ"),
        ("食料と飲料水", "食べ物と飲み水"),
        ("漏水の修理", "水もれの修理"),
        ("翌年の申告", "次の年の申告"),
        ("海岸付近にいる人", "海の近くにいる人"),
        ("海岸を歩く", "海岸を歩く"),
        ("登下校のときは複数で行動させてください。", "登下校のときは2人以上で行動させてください。"),
        ("複数で申し込む", "複数で申し込む"),  # not about going together
        ("各学校または教育委員会", "それぞれの学校または教育委員会"),
        ("各世帯へ配ります。", "それぞれの世帯へ配ります。"),
        ("各学校長", "各学校長"),  # inside a compound
        ("こまめに水分を補給してください。", "こまめに水を飲んでください。"),
        ("運転を見合わせています。", "運転を止めています。"),
        ("3月下旬から4月上旬", "3月の終わりから4月の初め"),
        ("所有者の方が切ってください。", "持ち主が切ってください。"),
        ("医療機関へ電話で", "病院へ電話で"),
        ("児童が帰ります。", "子どもが帰ります。"),
        ("児童手当", "児童手当"),  # a term, inside a compound
        ("児童が下校します。", "子どもが学校から帰ります。"),
        ("児童手当を受給するには", "児童手当をもらうには"),
        ("有効期間が満了する日", "有効期間が終わる日"),
        ("外出は控えてください。", "外出はしないでください。"),
        ("法律で義務付けられています。", "法律で決められています。"),
        ("市道が通行できなくなっています。", "市道が通れなくなっています。"),
        ("所有者に課税されます。", "持ち主に税金がかかります。"),
        ("各月に支給されます。", "各月にもらえます。"),
        ("ダウンロードすることも可能です。", "ダウンロードもできます。"),
        ("予約することが可能です。", "予約できます。"),
        ("70歳以上の方は、", "70歳以上の人は、"),
        ("以上の方法で", "以上の方法で"),  # 方法 is not a person
        ("他の利用者の迷惑", "ほかの人の迷惑"),
        ("他の利用者数", "他の利用者数"),  # inside a compound
        ("月曜日が休館日です。", "月曜日が休みです。"),
        ("休館日は、", "休みの日は、"),
        ("臨時休館日", "臨時休館日"),  # inside a compound
        ("指定医院で受診できます。", "指定医院でみてもらえます。"),
        ("診療所で12月まで受診してください。", "診療所で12月までみてもらってください。"),
        ("早めに受診してください。", "早めに病院でみてもらってください。"),
        ("申請から1週間", "申し込みから1週間"),
        ("申請まで", "申し込みまで"),
        ("提出から", "提出から"),  # a verb with no plain noun stays
        ("手数料は、1通につき300円です。", "手数料は、1通300円です。"),
        ("1人につき10リットルまで", "1人10リットルまで"),
        ("1時間あたり400円", "1時間あたり400円"),  # a rate keeps あたり
        ("11点につき", "11点につき"),  # not followed by an amount
        ("1点につき、", "1点につき、"),
    ],
)
def test_more_paraphrases(text: str, expected: str) -> None:
    assert paraphrase(text) == expected


def test_schedule_stated_plainly() -> None:
    assert honorifics("午後3時30分を予定しております。") == "午後3時30分の予定です。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10冊まで借りることができます。", "10冊まで借りられます。"),
        ("払うことができません。", "払えません。"),
        ("走ることができます。", "走れます。"),  # 五段 by the dictionary, not by its ending
        ("来ることができます。", "来られます。"),
        ("することができます。", "することができます。"),  # no verb stem to conjugate
        ("ことができる人", "ことができる人"),
    ],
)
def test_potential(text: str, expected: str) -> None:
    assert potential(text) == expected


def test_a_request_after_a_te_clause_stays_a_request() -> None:
    text = "手数料を払って、お引き取りください。"
    assert (
        split_long(honorifics(text), limit=0)
        == "手数料を払ってください。それから、引き取ってください。"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("集団健診の予約は、11月1日午前9時から電話で受け付けます。",
         "集団健診の予約は、電話で受け付けます。11月1日午前9時からです。"),
        ("燃えるごみは、月曜日と木曜日の朝8時までに指定の集積所へ出してください。",
         "燃えるごみは、指定の集積所へ出してください。月曜日と木曜日の朝8時までです。"),
        # A bare verb would be left: what the sentence is about becomes its object…
        ("保育所の入所申込みは、11月4日から11月28日まで受け付けます。",
         "保育所の入所申込みを受け付けます。11月4日から11月28日までです。"),
        # …only for a verb that takes one; otherwise the span stays.
        ("文化会館の大ホールは、12月1日から12月5日まで休みます。",
         "文化会館の大ホールは、12月1日から12月5日まで休みます。"),
        ("短い文は、9時からです。", "短い文は、9時からです。"),
        ("期日前投票は、市役所本庁舎1階で午前8時30分から午後8時まで行います。",
         "期日前投票は、市役所本庁舎1階で行います。午前8時30分から午後8時までです。"),
        ("11月24日（火曜日）午後3時、市内全域に避難指示を出しました。",
         "11月24日（火曜日）午後3時、市内全域に避難指示を出しました。"),
        # A point in time said with に.
        ("給食費は、毎月10日に指定の口座から引き落とされます。",
         "給食費は、指定の口座から引き落とされます。毎月10日です。"),
        ("狂犬病予防注射の集合注射は、4月に市内20会場でします。",
         "狂犬病予防注射の集合注射は、市内20会場でします。4月です。"),
        ("保健センターでは、健康相談を毎月第2火曜日にしています。",
         "保健センターでは、健康相談をしています。毎月第2火曜日です。"),
        ("新入学の子どもの保護者には、1月の中ごろに通知書を送ります。",
         "新入学の子どもの保護者には、通知書を送ります。1月の中ごろです。"),
        # The last item of a list is not a time of its own; how often is.
        ("市営住宅の入居者の募集は、年4回、1月、4月、7月、10月に行います。",
         "市営住宅の入居者の募集は、年4回です。1月、4月、7月、10月に行います。"),
        ("募集は、1月、4月、7月、10月に行います。", "募集は、1月、4月、7月、10月に行います。"),
        ("虎塚古墳の石室は、年2回、公開します。", "虎塚古墳の石室は、年2回、公開します。"),  # short
        ("検診は、年1回、春に保健センターで受けてください。",
         "検診は、年1回です。春に保健センターで受けてください。"),
        # A span that opens the sentence before a comma.
        ("毎月第2・第4土曜日の午前9時から昼の12時まで、休日窓口を開いています。",
         "休日窓口を開いています。毎月第2・第4土曜日の午前9時から昼の12時までです。"),
        ("12月1日から12月5日まで、市役所の駐車場は使えません。",
         "12月1日から12月5日まで、市役所の駐車場は使えません。"),  # not ます or ください
        ("12月1日から12月5日まで、工事のため休みます。",
         "12月1日から12月5日まで、工事のため休みます。"),  # nothing left to say what
    ],
)  # fmt: skip
def test_time_notes(text: str, expected: str) -> None:
    assert time_notes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("食中毒を防ぐため、調理の前には必ず手を洗ってください。",
         "調理の前には必ず手を洗ってください。食中毒を防ぐためです。"),
        ("リチウムイオン電池は、発火のおそれがあるため、燃えないごみに混ぜないでください。",
         "リチウムイオン電池は、燃えないごみに混ぜないでください。発火のおそれがあるためです。"),
        ("台風が近づいているため、明日は休校とします。",
         "明日は休校とします。台風が近づいているためです。"),
        ("そのため、明日は休校とします。", "そのため、明日は休校とします。"),  # a connective
        ("雨のため、休みます。", "雨のため、休みます。"),  # too little left to stand alone
        ("外国人のための相談を行います。", "外国人のための相談を行います。"),  # not a reason
        ("防ぐため、手を洗って", "防ぐため、手を洗って"),  # not a whole sentence
    ],
)  # fmt: skip
def test_reason_notes(text: str, expected: str) -> None:
    assert reason_notes(text) == expected


def test_term_explanations_are_short_and_plain() -> None:
    """An explanation is one short phrase: no clause of its own (、。), no bracket, and
    not longer than the 40 characters the quality target allows a sentence."""
    for term, explanation in load_data("rewrite.yaml")["terms"].items():
        assert not re.search("[、。（）()]", explanation), term
        assert len(f"{term}は、{explanation}です。") <= 40, term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("入学説明会は、体育館で開きます。2月3日です。",
         "入学説明会を開きます。場所は、体育館です。2月3日です。"),
        ("就学援助の申し込みは、各学校または教育委員会で受け付けています。",
         "就学援助の申し込みを受け付けています。場所は、各学校または教育委員会です。"),
        ("那珂湊支所では、証明書の申し込みを受け付けています。",
         "証明書の申し込みを受け付けています。場所は、那珂湊支所です。"),
        # 電話 is a means, not a place; 市 alone is who does it.
        ("予約は、電話で受け付けます。", "予約は、電話で受け付けます。"),
        ("市では、名簿を作っています。", "市では、名簿を作っています。"),
        # A verb that does not take the topic as its object.
        ("大ホールは、文化会館で休みます。", "大ホールは、文化会館で休みます。"),
        # The object said first, then the place.
        ("確定申告の相談会を、勝田駅前の会場で行います。",
         "確定申告の相談会を行います。場所は、勝田駅前の会場です。"),
        ("相談を、電話で受け付けます。", "相談を、電話で受け付けます。"),  # not a place
    ],
)  # fmt: skip
def test_place_notes(text: str, expected: str) -> None:
    assert place_notes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("家庭から出る生ごみは、水気をよく切ってから出してください。",
         "家庭から出る生ごみは、水気をよく切ってください。それから、出してください。"),
        ("外してください。それから、中をすすいでから出してください。",
         "外してください。それから、中をすすいでください。それから、出してください。"),
        # Not a request: a time after the step, which the city does.
        ("警告札を付けてから7日後に片付けます。", "警告札を付けてから7日後に片付けます。"),
        ("見てから、", "見てから、"),
        ("来てから出してください。", "来てから出してください。"),  # too short a step
    ],
)  # fmt: skip
def test_sequence_steps(text: str, expected: str) -> None:
    assert sequence_steps(text) == expected


@pytest.mark.parametrize(
    "output",
    [
        ("住民票を出してください。",),
        ("罹災証明書の申し込みを受け付けています。", "場所は、那珂湊支所です。",
         "罹災証明書は、家などが こわれたことを 証明する 紙です。"),
        ("保育所の入所申込みを受け付けます。", "11月4日から11月28日までです。"),
    ],
)  # fmt: skip
def test_guard_score_is_the_score_of_the_text(output: tuple[str, ...]) -> None:
    """The readability guard counts sentence by sentence (and term notes once per process);
    its score must be the one ``analyze`` gives the joined text."""
    from tsunagu.yasashii.analysis import score
    from tsunagu.yasashii.rewrite import _Context, _score

    ctx = _Context(TODAY)
    assert _score(output, ctx) == pytest.approx(score("".join(output)), abs=1e-6)
    assert _score(output, ctx) == pytest.approx(analyze("".join(output)).score, abs=1e-6)


def test_guard_undoes_rules_that_make_the_same_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rules that both make a sentence harder in the same way: undoing one alone changes
    nothing, so the guard undoes them together rather than leave a harder sentence."""
    rw = importlib.import_module("tsunagu.yasashii.rewrite")

    def harder(s: str, c: object) -> str:
        return s.replace("払えます", "納付することが可能であると考えられます")

    rules = tuple(
        (name, harder if name in ("paraphrase_verbs", "okonau") else rule)
        for name, rule in rw.RULES
    )
    monkeypatch.setattr(rw, "RULES", rules)
    text = "市税は、コンビニエンスストアや銀行の窓口で、いつでも払えます。"
    result = rw.rewrite(text, today=TODAY)
    before, after = analyze(text), analyze(result.text)
    assert BANDS_ORDER.index(after.band) >= BANDS_ORDER.index(before.band), result.text
    assert "可能" not in result.text


def test_a_place_with_de_is_not_split_as_the_copula() -> None:
    """The tagger reads 窓口で、 as the copula's て-form; only right after a topic is it one."""
    text = "市税は、コンビニエンスストアや銀行の窓口で、いつでも払えます。"
    assert split_long(text, limit=0) == text
