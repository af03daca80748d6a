"""Sentence analysis: splitting, each detected feature, and the readability bands."""

from __future__ import annotations

import pytest

from tsunagu.yasashii import analyze, band
from tsunagu.yasashii._sudachi import Token
from tsunagu.yasashii.analysis import readability, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\n", []),
        ("駅へ行きます。", ["駅へ行きます。"]),
        ("雨です。風です。", ["雨です。", "風です。"]),
        ("本当？はい！そうです", ["本当？", "はい！", "そうです"]),
        ("えっ！？本当", ["えっ！？", "本当"]),
        ("一行目\n二行目", ["一行目", "二行目"]),
        ("一行目\r\n\r\n二行目。", ["一行目", "二行目。"]),
        ("「はい。」と言いました。次です。", ["「はい。」と言いました。", "次です。"]),
        ("『注意。危険。』の看板", ["『注意。危険。』の看板"]),
        ("（午後３時まで。）来てください。", ["（午後３時まで。）来てください。"]),
        ("  前後の空白。  ", ["前後の空白。"]),
        ("Stop! Go?", ["Stop!", "Go?"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [s for _, s in split_sentences(text)] == expected


def test_split_sentences_offsets_point_into_the_text() -> None:
    text = "  雨です。\n「はい。」と言う。"
    for start, sentence in split_sentences(text):
        assert text[start : start + len(sentence)] == sentence


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("受付は９時から開始いたします。", ["いたします"]),
        ("心よりお礼申し上げます。", ["申し上げ"]),
        ("申請書にご記入ください。", ["ご記入ください", "ください"]),
        ("市長がお話しになります。", ["お話しになり"]),
        ("窓口にいらっしゃいます。", ["いらっしゃ"]),
        ("資料を拝見しました。", ["拝見"]),
        ("ご覧ください。", ["ご覧", "ください"]),
        ("書類を出してください。", ["ください"]),
        ("書類を出します。", []),
        ("ご飯を食べます。", []),
    ],
)
def test_honorifics(text: str, found: list[str]) -> None:
    (sentence,) = analyze(text).sentences
    assert [f.text for f in sentence.honorifics] == found
    assert all(f.kind in ("尊敬語", "謙譲語") for f in sentence.honorifics)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("申請できないわけではない。", ["ないわけではない"]),
        ("申請できないわけではありません。", ["ないわけではありません"]),
        ("行けなくはない。", ["なくはない"]),
        ("分からなくもない。", ["なくもない"]),
        ("間に合わないことはありません。", ["ないことはありません"]),
        ("雨が降らないとは限りません。", ["ないとは限りません"]),
        ("中止せざるを得ない。", ["ざるを得ない"]),
        ("申請できません。", []),
        ("ないものはないです。", []),
    ],
)
def test_double_negatives(text: str, found: list[str]) -> None:
    (sentence,) = analyze(text).sentences
    assert [f.text for f in sentence.double_negatives] == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("書類は市役所で受理されました。", ["受理され"]),
        ("住民税が課されます。", ["課され"]),
        ("警報が発表されました。", ["発表され"]),
        ("名前を呼ばれました。", ["呼ばれ"]),
        ("先生に褒められた。", ["褒められ"]),
        ("市が書類を受理しました。", []),
        ("名前を呼びました。", []),
    ],
)
def test_passives(text: str, found: list[str]) -> None:
    (sentence,) = analyze(text).sentences
    assert [f.text for f in sentence.passives] == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "コミュニティセンターでワークショップを開催します。",
            ["コミュニティセンター", "ワークショップ"],
        ),
        ("ハザードマップを確認してください。", ["ハザードマップ"]),
        ("ごみを出します。", []),
        ("ア。", []),
    ],
)
def test_loanwords(text: str, found: list[str]) -> None:
    (sentence,) = analyze(text).sentences
    assert list(sentence.loanwords) == found


@pytest.mark.parametrize(
    ("text", "longest", "runs"),
    [
        ("駅へ行きます。", 1, []),
        ("避難指示を出します。", 4, []),
        ("指定緊急避難場所へ行く。", 8, ["指定緊急避難場所"]),
        ("固定資産税納税通知書と国民健康保険税。", 10, ["固定資産税納税通知書", "国民健康保険税"]),
        ("ひらがなだけ。", 0, []),
    ],
)
def test_kanji_runs(text: str, longest: int, runs: list[str]) -> None:
    (sentence,) = analyze(text).sentences
    assert sentence.longest_kanji_run == longest
    assert list(sentence.long_kanji_runs) == runs


def test_length_and_kanji_ratio() -> None:
    (sentence,) = analyze("漢字かな。").sentences
    assert sentence.length == 5
    assert sentence.kanji_ratio == 0.4


HARD = (
    "本市においては、災害対策基本法第六十条の規定に基づき、当該区域の居住者等に対し"
    "避難指示を発令いたしましたので、速やかに指定緊急避難場所へ避難されるようお願い申し上げます。"
)
HARD_TAX = (
    "固定資産税納税通知書に記載された納期限までに納付されない場合には、"
    "延滞金が加算されることがありますので、ご留意ください。"
)
EASY = "あしたは 雨です。かさを もって いきましょう。"
EASY_TSUNAMI = "つなみが 来ます。すぐに 高い ところへ にげて ください。"


@pytest.mark.parametrize("text", [HARD, HARD_TAX])
def test_official_prose_scores_as_advanced(text: str) -> None:
    assert analyze(text).band in ("上級後半", "上級前半")


@pytest.mark.parametrize("text", [EASY, EASY_TSUNAMI])
def test_easy_japanese_scores_at_least_intermediate(text: str) -> None:
    assert analyze(text).band in ("中級前半", "初級後半", "初級前半")


@pytest.mark.parametrize(("hard", "easy"), [(HARD, EASY_TSUNAMI), (HARD_TAX, EASY)])
def test_hard_sentence_scores_harder_than_its_easy_version(hard: str, easy: str) -> None:
    assert analyze(hard).score + 2 < analyze(easy).score


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (-3.0, "上級後半"),
        (0.5, "上級後半"),
        (1.4, "上級後半"),
        (1.5, "上級前半"),
        (2.5, "中級後半"),
        (3.5, "中級前半"),
        (4.5, "初級後半"),
        (5.4, "初級後半"),
        (5.5, "初級前半"),
        (9.0, "初級前半"),
    ],
)
def test_band(score: float, expected: str) -> None:
    assert band(score) == expected


def test_readability_formula_on_known_counts() -> None:
    from tsunagu.yasashii.analysis import WordCounts

    # 10 words in 2 sentences: 20 % 漢語, 50 % 和語, 10 % verbs, 10 % particles.
    counts = WordCounts(words=10, kango=2, wago=5, verbs=1, fifth=1)
    expected = 11.724 - 0.056 * 5 - 0.126 * 20 - 0.042 * 50 - 0.145 * 10 - 0.044 * 10
    assert readability(counts, 2) == pytest.approx(expected, abs=1e-3)


def test_report_to_dict_is_json_ready() -> None:
    import json

    data = analyze("ご記入ください。受理されました。").to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert "ご記入ください" in text
    assert data["sentences"][1]["passives"][0]["text"] == "受理され"


@pytest.mark.parametrize(
    "text",
    [
        "駅へ行きます。",
        "",
        "大雨です。避難してください。\n\n次の文",
        "ごみは朝8時までに出してください。",
    ],
)
def test_score_equals_the_report_score(text: str) -> None:
    from tsunagu.yasashii.analysis import score

    assert score(text) == analyze(text).score


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [("[ごお]([一-龥]{2})のうえ、?", "のうえ"), ("(?<![一-龥])場合", "場合"), ("ab|cd", ""),
     ("(?:おそれ|恐れ)があります", "があります"), ("(?i)abc", ""), ("x(?=y)z", "xz")],
)  # fmt: skip
def test_required_literal(pattern: str, literal: str) -> None:
    import re

    from tsunagu.yasashii.lexicon import required_literal

    regex = re.compile(pattern)
    assert required_literal(regex) == literal


def test_token_memo_tokenizes_a_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from tsunagu.yasashii import lexicon

    calls: list[str] = []
    real = lexicon._tokens

    def counting(text: str) -> list[Token]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(lexicon, "_tokens", counting)
    with lexicon.token_memo():
        first = lexicon.tokens("駅へ行きます。")
        assert lexicon.tokens("駅へ行きます。") is first
    lexicon.tokens("駅へ行きます。")
    assert calls == ["駅へ行きます。", "駅へ行きます。"]


@pytest.mark.parametrize(
    ("word", "level"),
    [("学校", 1), ("ごみ", 1), ("東西", 2), ("駅", 3), ("説明", 4), ("金額", 5), ("届", 6),
     ("避難", 7), ("提出", 7), ("地震", 3), ("人々", 1), ("ハザードマップ", 1)],
)  # fmt: skip
def test_word_level(word: str, level: int) -> None:
    from tsunagu.yasashii.lexicon import word_level

    assert word_level(word) == level


def test_words_above_the_chosen_level() -> None:
    text = "至急、勝田駅の近くの避難所へ行ってください。"
    flagged = {f.text for f in analyze(text).sentences[0].above_level}
    assert {"至急", "避難"} <= flagged
    assert "勝田駅" not in flagged  # the city's names are never flagged
    assert "近く" not in flagged
    assert analyze(text, level=7).sentences[0].above_level == ()
    assert "近く" in {f.text for f in analyze(text, level=1).sentences[0].above_level}


@pytest.mark.parametrize(
    "text",
    ["ごみは出さない。", "カタカナとひらがな", "（）・ABC www 〇 ゝ ｶﾀｶﾅ ①", "申し込みかねます。"],
)
def test_tokens_agree_with_sudachi(text: str) -> None:
    """The shortcuts of tokenize (kana read as written, lemma only for inflecting words)
    give what the dictionary itself says wherever the engine looks."""
    from tsunagu.yasashii._sudachi import _HIRAGANA, _tokenizer, tokenize

    for t, m in zip(tokenize(text), _tokenizer().tokenize(text), strict=True):
        assert t.surface == m.surface()
        assert t.pos == m.part_of_speech()
        if t.pos[0] in ("動詞", "形容詞", "助動詞", "接尾辞"):
            assert t.dictionary_form == m.dictionary_form()
        if t.pos[0] != "補助記号" and not t.surface.isspace():
            assert t.reading == m.reading_form().translate(_HIRAGANA), t.surface


@pytest.mark.parametrize(
    "module", ["lexicon", "analysis", "rewrite", "ruby", "quality", "_sudachi"]
)
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib
    from datetime import date

    mod = importlib.import_module(f"tsunagu.yasashii.{module}")
    result = doctest.testmod(mod, extraglobs={"date": date}, report=False)
    assert result.failed == 0


# (words, 漢語, 和語, verbs, particles) as UniDic 2.1.2 (unidic-lite 1.0.8, MeCab) counts
# them, with the verb and particle rules of jreadability.net: 非自立可能 verbs (ください,
# いる, 来る and 見る after て) are not verbs.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("駅へ来てください。", (6, 1, 4, 0, 2)),  # 駅 漢; 来 (来る) a 和語, 非自立可能
        ("テレビを見ています。", (7, 0, 5, 0, 2)),  # 見 (見る), not an 音読み noun
        ("家を出てください。", (6, 0, 5, 1, 2)),  # 出る is a verb of its own
        ("市の課です。", (5, 2, 2, 0, 1)),  # 市, 課: one-mora 音読み nouns are 漢語
        ("道で手を上げます。", (7, 0, 6, 0, 2)),  # 道 みち, 手 て: 訓読み of an 音読み's shape
        ("25日の朝です。", (6, 0, 4, 0, 1)),  # the day suffix 日 is 和語; 25 is a numeral
        ("その日は気をつけて。", (8, 1, 6, 0, 3)),  # 日 ひ is 和語; 気 き is 漢語
        ("ご利用ください。", (4, 2, 1, 0, 0)),  # ご利用: ご (漢) + 利用 (漢), as UniDic splits
        ("ご自宅へ。", (4, 2, 1, 0, 1)),
        ("ご提出ください。", (4, 2, 1, 0, 0)),  # ください is 非自立可能: not a verb
        ("お金を払います。", (6, 0, 5, 1, 1)),  # お is 和語, ご is 漢語
        ("避難所へ行きます。", (6, 2, 3, 0, 1)),  # 避難所 counts as 避難 + 所
        ("受け付けております。", (5, 0, 4, 1, 1)),  # 受け付け: 受け (a verb) + 付け
        ("場合は窓口へ。", (5, 0, 4, 0, 2)),  # 場合, 窓口: 和語 written in kanji alone
        ("毎月の家賃です。", (5, 0, 2, 0, 1)),  # 毎月, 家賃: 混種語, in neither rate
        ("けがをした人は、びょういんへ。", (10, 2, 6, 0, 3)),  # けが 怪我, びょういん 病院: 漢語
        ("だいたい五百円です。", (5, 3, 1, 0, 0)),  # だいたい 大体; 五百 is a 漢語 numeral
        ("那珂湊駅へ行きます。", (6, 1, 3, 0, 1)),  # the city's name: 那珂湊 (固有) + 駅 (漢)
        ("ところで、いろいろあります。", (7, 0, 5, 0, 1)),  # ところ 所, いろいろ 色々: 和語
    ],
)
def test_word_counts_agree_with_unidic(text: str, expected: tuple[int, ...]) -> None:
    c = analyze(text).counts
    assert (c.words, c.kango, c.wago, c.verbs, c.fifth) == expected
