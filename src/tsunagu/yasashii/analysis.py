"""Sentence-by-sentence difficulty analysis of Japanese text.

``analyze(text)`` splits the text into sentences and reports, for each, what makes it
hard for elderly readers, children and foreign residents: length, kanji ratio, long kanji
runs, katakana loanwords, 尊敬語・謙譲語, 二重否定 and passive forms, plus a readability
score on the jReadability scale (李在鎬・長谷部陽一郎) with its level band.

How the score is computed
-------------------------
The published formula (Lee & Hasebe; japan.md §5.3) is::

    readability = 11.724
                  − 0.056 × mean words per sentence
                  − 0.126 × 漢語率 (%)
                  − 0.042 × 和語率 (%)
                  − 0.145 × 動詞率 (%)
                  − 0.044 × 助詞率 (%)

All rates are percentages of the words of the text, counted as jreadability.net counts
them: the fifth term is particles (助詞), as in the papers, and verbs UniDic marks
非自立可能 (ある in あります, する in 確認する, いる in している, ください, いただく,
来る and 見る after て) are not verbs. The MIT Python port ``jreadability`` counted
auxiliary verbs and every verb until its pull request #2 (2024) aligned it with the site;
an earlier version of this module followed the old port and was a whole band off on
many sentences (see docs/yasashii.md).

How close it comes
------------------
The original runs on UniDic (short units, with a 語種 field). SudachiPy's core dictionary
has UniDic's parts of speech but no 語種, so:

* Words: each SudachiPy mode-C morpheme is counted in mode-A units (the size of UniDic's
  short units: 避難所 = 避難 + 所, 受け付け = 受け + 付け, and the city's compound names
  too: 那珂湊駅 = 那珂湊 + 駅). Whitespace is not a word; punctuation is, as every MeCab
  token is.
* 漢語: a word written only in kanji (with 々) of two or more characters, or a single
  kanji whose reading is a typical 音読み (one or two morae ending in ん, う, い, き, く,
  ち, つ or a long vowel), and the prefix ご — except proper nouns (固有), verbs and
  adjectives written with their kanji alone (来て, 見て, 出て: 和語), the day suffix 日
  (24日: 和語), a short list of everyday 訓読み nouns of the 音読み shape (道 みち, 手 て)
  and of everyday 和語・混種語 written in kanji alone (場合, 窓口, 津波; 場所, 毎月),
  each checked against UniDic. A noun or adverb written in kana takes the origin of
  SudachiPy's normalized (kanji) form: けが 怪我 and だいたい 大体 are 漢語. Numerals in
  kanji are 漢語 (四 and 七 和語), Arabic numerals in neither rate. A word SudachiPy keeps
  whole as お・ご + kanji (ご利用) counts as 漢語.
* 外来語: a word written only in katakana (with ー); symbols and numerals: in neither rate.
* 和語: every other word made of kana or kanji+okurigana.

``tests/yasashii/test_reference.py`` compares the scores with ones recorded from the
reference port (``jreadability`` 1.1.5 over UniDic 2.1.2): on 150 procedure-catalog
sentences the scorer was never adjusted on, the mean absolute difference is 0.18 and
88 % of them fall in the same band. The port itself differs from jreadability.net
(UniDic 2.2.0) by a little, so use the score to compare versions of a text, not as a
certified level. Like any regression fitted on whole texts, it says little about one
short sentence: にげてください scores lower than 避難してください (a verb for a noun).

>>> report = analyze("ごみは朝8時までに出してください。")
>>> report.sentences[0].honorifics[0].text
'ください'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from tsunagu.yasashii._sudachi import Token, short_units
from tsunagu.yasashii.lexicon import (
    double_negative_patterns,
    honorific_patterns,
    tokens,
    word_level,
)

LONG_KANJI_RUN = 6
# Words above this vocabulary level are reported: 3 means beyond the kanji of the third
# school grade (about the 旧日本語能力試験 3級・4級 the 弘前大学 rules aim at).
DEFAULT_LEVEL = 3
FIFTH_TERM_POS = "助詞"
# UniDic's 非自立可能 verbs (ある in あります, する in 確認する, いる in している, ください,
# いただく) are not counted as verbs: jreadability.net does not count them.
_DEPENDENT_VERB = "非自立可能"

# (lower bound, band), higher scores are easier. The published bands are 0.5–1.4 …
# 5.5–6.4; scores outside that range clamp to the nearest band.
BANDS: tuple[tuple[float, str], ...] = (
    (5.5, "初級前半"),
    (4.5, "初級後半"),
    (3.5, "中級前半"),
    (2.5, "中級後半"),
    (1.5, "上級前半"),
    (float("-inf"), "上級後半"),
)

_TERMINATORS = "。！？!?．"
_OPEN = "「『（(【〈《“〔［"
_CLOSE = "」』）)】〉》”〕］"
_KANJI = r"一-龥々〆ヶ㐀-䶵豈-﫿"
_KANJI_RUN = re.compile(f"[{_KANJI}]+")
_KANJI_ONLY = re.compile(f"[{_KANJI}]+")
_SPACES = re.compile(r"\s")
_KATAKANA_WORD = re.compile(r"[ァ-ヺー・ｦ-ﾟ]+")
_BEAUTIFYING = frozenset("ごお御")
_CONJUGATING_POS = frozenset({"動詞", "形容詞", "助動詞"})
# Parts of speech whose kana spelling may hide a 漢語 (けが 怪我, ふつう 普通, たくさん 沢山).
_KANA_KANGO_POS = frozenset({"名詞", "形状詞", "副詞"})
_KANA = re.compile("[ぁ-ゖー]+")
_ON_READING = re.compile(r"^(?:.[ゃゅょ]?(?:[んういきくちつ]|ー)?)$")
# Everyday one-kanji 和語 nouns whose 訓読み has the shape of an 音読み (みち like いち, て
# like け): UniDic counts them 和, the shape test alone would count them 漢. Keyed by the
# reading, because the same kanji can be either (日: ひ 和, にち 漢; 時: とき 和, じ 漢).
_KUN_LIKE_ON = frozenset(
    {
        ("道", "みち"), ("町", "まち"), ("口", "くち"), ("内", "うち"), ("先", "さき"),
        ("手", "て"), ("目", "め"), ("木", "き"), ("火", "ひ"), ("日", "ひ"), ("血", "ち"),
        ("歯", "は"), ("葉", "は"), ("毛", "け"), ("子", "こ"), ("田", "た"), ("湯", "ゆ"),
        ("時", "とき"), ("夏", "なつ"), ("秋", "あき"), ("靴", "くつ"),
    }
)  # fmt: skip

# Everyday words written in kanji alone that UniDic counts as 和語 (訓読み compounds,
# nouns whose okurigana is left out) or 混種語 (湯桶・重箱読み), which the kanji-only rule
# would count as 漢語. Each was checked against UniDic's 語種; 混種語 count in neither rate.
_KANJI_WAGO = frozenset(
    """
    場合 明日 今日 昨日 今年 手当 窓口 届出 大雨 大雪 小雨 大水 振替 受付 受取 仕事 中身
    広場 片側 見頃 積立 貸出 親子 一人 二人 大人 子供 手紙 夕方 物置 建物 乗物 切手 割引
    取扱 引越 申込 支払 売場 足元 手元 手前 身近 手軽 目安 目印 出口 入口 出前 引取 持物
    締切 問合 手続 雨水 港町 夜中 花火 名前 言葉 人々 見舞 組合 水際 川岸 坂道 近道 火元
    竜巻 高潮 津波 雨戸 空家 家主 持主 借主 大家 年寄 若者 古着 色々 一寸
    """.split()
)
_KANJI_KONSHU = frozenset(
    """
    場所 高台 身分 家賃 手帳 毎月 毎年 手数 金具 新型 気軽 具合 片方 台所 役場 荷物 消印
    雨具 手順 見本 道順 戸建 地主 朝晩
    """.split()
)


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of a sentence that a rule flagged; ``hint`` says what to write instead."""

    text: str
    start: int
    kind: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class WordCounts:
    words: int = 0
    kango: int = 0
    wago: int = 0
    verbs: int = 0
    fifth: int = 0

    def __add__(self, other: WordCounts) -> WordCounts:
        return WordCounts(
            self.words + other.words,
            self.kango + other.kango,
            self.wago + other.wago,
            self.verbs + other.verbs,
            self.fifth + other.fifth,
        )


@dataclass(frozen=True, slots=True)
class SentenceReport:
    text: str
    start: int
    length: int
    kanji_ratio: float
    longest_kanji_run: int
    long_kanji_runs: tuple[str, ...]
    loanwords: tuple[str, ...]
    honorifics: tuple[Finding, ...]
    double_negatives: tuple[Finding, ...]
    passives: tuple[Finding, ...]
    counts: WordCounts
    score: float
    band: str
    above_level: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    sentences: tuple[SentenceReport, ...]
    score: float
    band: str
    counts: WordCounts = field(default_factory=WordCounts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the CLI's ``--json`` output)."""
        return asdict(self)


def band(score: float) -> str:
    """The jReadability level band of ``score``.

    >>> band(5.0)
    '初級後半'
    """
    for lower, name in BANDS:
        if score >= lower:
            return name
    return BANDS[-1][1]


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Sentences of ``text`` with their offsets.

    A sentence ends at 。！？ (and ASCII !?) outside brackets, or at a line break; a
    terminator inside 「…」 does not end the sentence around it.

    >>> split_sentences("「はい。」と言った。次です")
    [(0, '「はい。」と言った。'), (10, '次です')]
    """
    result: list[tuple[int, str]] = []
    start = 0
    depth = 0
    i = 0
    n = len(text)

    def emit(end: int) -> None:
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            result.append((start + chunk.index(stripped[0]), stripped))

    while i < n:
        ch = text[i]
        if ch in "\r\n\u2028\u2029\x85\x0b\x0c":
            emit(i)
            start, depth = i + 1, 0
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _TERMINATORS and depth == 0:
            while i + 1 < n and text[i + 1] in _TERMINATORS:
                i += 1
            emit(i + 1)
            start = i + 1
        i += 1
    emit(n)
    return result


def _is_word(t: Token) -> bool:
    return t.pos[0] != "空白" and not t.surface.isspace()


def _origin(t: Token) -> str:
    """漢, 和, 混, 外, 固 or 記 (symbols, numerals) (see the module docstring for the approximation)."""
    surface, pos0, pos1 = t.surface, t.pos[0], t.pos[1]
    if pos1 == "数詞" and _KANJI_ONLY.fullmatch(surface):
        return "和" if surface in ("四", "七") else "漢"  # よん, なな; 五百, 二十 are 漢語
    if pos0 in ("補助記号", "記号") or pos1 == "数詞":
        return "記"
    if pos1 == "固有名詞":
        return "固"
    if _KATAKANA_WORD.fullmatch(surface):
        return "外"
    if pos0 == "接頭辞" and surface in ("ご", "御"):
        return "漢"  # ご確認, ご住所: UniDic's 御 (ご) is 漢, お is 和
    if pos0 == "接尾辞" and surface == "日":
        return "和"  # 24日, 三日: the day-of-month suffix is 和 in UniDic, 日曜 is not a suffix
    if surface in _KANJI_WAGO:
        return "和"
    if surface in _KANJI_KONSHU:
        return "混"
    if len(surface) >= 3 and surface[0] in _BEAUTIFYING and _KANJI_ONLY.fullmatch(surface, 1):
        # ご利用, ご自宅: SudachiPy keeps some お・ご + 漢語 nouns as one word, where UniDic
        # has the prefix (和) and the noun (漢); the noun decides, as for ご + 提出.
        return "漢"
    if _KANJI_ONLY.fullmatch(surface):
        # A verb or adjective written with its kanji alone is a conjugated form of a 和語
        # (来て, 見て, 出て: 来る, 見る, 出る), whatever its one-mora reading looks like.
        if len(surface) >= 2 or (
            _ON_READING.match(t.reading)
            and pos0 not in _CONJUGATING_POS
            and (surface, t.reading) not in _KUN_LIKE_ON
        ):
            return "漢"
    return "和"


def _unit_class(
    surface: str, pos0: str, pos1: str, reading: str, normalized: str = ""
) -> tuple[int, int, int, int, int]:
    if normalized and pos0 in _KANA_KANGO_POS and _KANA.fullmatch(surface):
        # A word written in kana has the origin of its kanji spelling (びょうき 病気 and
        # だいたい 大体 are 漢語, ところ 所 is 和語), as UniDic counts it.
        if _KANJI_ONLY.fullmatch(normalized):
            surface = normalized
    origin = _origin(Token(surface, 0, (pos0, pos1), reading, surface))
    return (
        1,
        origin == "漢",
        origin == "和",
        pos0 == "動詞" and pos1 != _DEPENDENT_VERB,
        pos0 == FIFTH_TERM_POS,
    )


def _word_class(surface: str, pos0: str, pos1: str, reading: str) -> tuple[int, int, int, int, int]:
    """(words, 漢語, 和語, verbs, particles) of one mode-C morpheme, counted in short units.

    UniDic, which the formula was fitted on, counts short units: 避難所 is 避難 + 所,
    受け付け is 受け + 付け and 那珂湊駅 is 那珂湊 + 駅. A compound is split into
    SudachiPy's mode-A units; a word that stays whole keeps its in-context part of speech.
    """
    if len(surface) > 1 and pos0 not in ("補助記号", "空白"):
        units = short_units(surface)
        # Out of context a verb's tail can read as particles (いたしかね → いたし か ね):
        # a conjugating word is split only into conjugating units.
        if len(units) > 1 and (
            pos0 not in _CONJUGATING_POS or all(u[1] in _CONJUGATING_POS for u in units)
        ):
            w, k, a, v, p = map(sum, zip(*(_unit_class(*u) for u in units), strict=True))
            return (w, k, a, v, p)
        if len(units) == 1 and units[0][1] == pos0:
            return _unit_class(surface, pos0, pos1, reading, units[0][4])
    return _unit_class(surface, pos0, pos1, reading)


def _fields(c: WordCounts) -> tuple[int, int, int, int, int]:
    return (c.words, c.kango, c.wago, c.verbs, c.fifth)


# (surface, part of speech, subdivision, reading) → _word_class(...): a plain dictionary,
# cheaper than lru_cache in the hottest loop; bounded, so odd input cannot grow it forever.
_classes: dict[tuple[str, str, str, str], tuple[int, int, int, int, int]] = {}
_CLASSES_MAX = 100_000


def _class_of(key: tuple[str, str, str, str]) -> tuple[int, int, int, int, int]:
    found = _word_class(*key)
    if len(_classes) < _CLASSES_MAX:
        _classes[key] = found
    return found


# Dictionary word id → _word_class(...) of its token: an int key, the cheapest lookup.
_classes_by_word: dict[int, tuple[int, int, int, int, int]] = {}


def _counts(toks: list[Token]) -> WordCounts:
    by_word = _classes_by_word.get
    get = _classes.get
    rows = []
    for surface, _, pos, reading, _, word in toks:  # a hot loop: _is_word inlined
        if pos[0] == "空白" or surface.isspace():
            continue
        found = by_word(word)
        if found is None:
            key = (surface, pos[0], pos[1], reading)
            found = get(key) or _class_of(key)
            if word >= 0 and len(_classes_by_word) < _CLASSES_MAX:
                _classes_by_word[word] = found
        rows.append(found)
    if not rows:
        return WordCounts()
    words, kango, wago, verbs, fifth = map(sum, zip(*rows, strict=True))  # summed in C
    return WordCounts(words, kango, wago, verbs, fifth)


def tokens_by_sentence(
    toks: list[Token], sentences: Iterable[tuple[int, str]]
) -> Iterator[list[Token]]:
    """The tokens of each (start, sentence) of a text, in order (``toks`` are the
    text's tokens; those between sentences, such as line breaks, belong to none)."""
    i, n = 0, len(toks)
    for start, sentence in sentences:
        end = start + len(sentence)
        while i < n and toks[i].start < start:
            i += 1
        j = i
        while j < n and toks[j].start < end:
            j += 1
        yield toks[i:j]
        i = j


def total_counts(counts: Iterable[WordCounts]) -> WordCounts:
    """The sum of ``counts``, built as one object (frozen dataclasses are slow to build)."""
    columns = list(zip(*map(_fields, counts), strict=True))
    return WordCounts(*map(sum, columns)) if columns else WordCounts()


def score(text: str) -> float:
    """``analyze(text).score`` without the per-sentence findings (the rewriter's guard).

    >>> score("駅へ行きます。") == analyze("駅へ行きます。").score
    True
    """
    return readability(_counts(tokens(text)), len(split_sentences(text)))


def readability(counts: WordCounts, sentences: int) -> float:
    """The jReadability score for word counts pooled over ``sentences`` sentences."""
    if counts.words == 0 or sentences == 0:
        return BANDS[0][0] + 0.5  # nothing to read is as easy as it gets

    words = counts.words  # the rates are percentages of the words
    score = (
        11.724
        - 0.056 * (words / sentences)
        - 0.126 * (100.0 * counts.kango / words)
        - 0.042 * (100.0 * counts.wago / words)
        - 0.145 * (100.0 * counts.verbs / words)
        - 0.044 * (100.0 * counts.fifth / words)
    )
    return round(score, 3)


def _find(patterns: Any, sentence: str) -> tuple[Finding, ...]:
    found: list[Finding] = []
    for p in patterns:
        if p.literal and p.literal not in sentence:
            continue
        for m in p.regex.finditer(sentence):
            found.append(Finding(m.group(), m.start(), p.kind, p.hint))
    found.sort(key=lambda f: f.start)
    return tuple(found)


def _passives(toks: list[Token], base: int) -> tuple[Finding, ...]:
    """Verb (未然形) + 助動詞 れる/られる: passive, though it may also be potential or honorific.

    For a サ変 verb (受理 + さ + れる) the noun is part of the finding.
    """
    found: list[Finding] = []
    for i, (prev, t) in enumerate(itertools.pairwise(toks)):
        if (
            t.pos[0] == "助動詞"
            and t.dictionary_form in ("れる", "られる")
            and prev.pos[0] == "動詞"
            and prev.pos[5].startswith("未然形")
        ):
            first = (
                i - 1 if prev.pos[4] == "サ行変格" and i > 0 and toks[i - 1].pos[0] == "名詞" else i
            )
            text = "".join(x.surface for x in toks[first : i + 2])
            found.append(Finding(text, toks[first].start - base, "受身", "能動の形にする"))
    return tuple(found)


_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "連体詞"})


def _words(toks: list[Token], base: int, level: int) -> tuple[tuple[str, ...], tuple[Finding, ...]]:
    """Katakana loanwords, and content words whose vocabulary level (``word_level``) is
    above ``level`` (never proper nouns nor the city's names), in one pass."""
    loanwords: dict[str, None] = {}
    above: list[Finding] = []
    for t in toks:
        pos0, pos1 = t.pos[0], t.pos[1]
        if pos0 not in _CONTENT_POS or pos1 in ("固有名詞", "数詞"):
            continue
        surface = t.surface
        if len(surface) >= 2 and "ァ" <= surface[0] <= "ー" and _KATAKANA_WORD.fullmatch(surface):
            loanwords[surface] = None
        word = t.dictionary_form if pos0 in ("動詞", "形容詞") else surface
        if (n := word_level(word)) > level:
            above.append(Finding(surface, t.start - base, "難しい語", f"レベル{n}"))
    return tuple(loanwords), tuple(above)


def _sentence(
    text: str, start: int, toks: list[Token], level: int = DEFAULT_LEVEL
) -> SentenceReport:
    runs = _KANJI_RUN.findall(text)
    kanji = sum(map(len, runs))
    chars = len(text) - len(_SPACES.findall(text))
    counts = _counts(toks)
    score = readability(counts, 1)
    loanwords, above_level = _words(toks, start, level)
    return SentenceReport(
        text=text,
        start=start,
        length=len(text),
        kanji_ratio=round(kanji / chars, 3) if chars else 0.0,
        longest_kanji_run=max(map(len, runs), default=0),
        long_kanji_runs=tuple(r for r in runs if len(r) >= LONG_KANJI_RUN),
        loanwords=loanwords,
        honorifics=_find(honorific_patterns(), text),
        double_negatives=_find(double_negative_patterns(), text),
        passives=_passives(toks, start),
        above_level=above_level,
        counts=counts,
        score=score,
        band=band(score),
    )


def analyze(text: str, *, level: int = DEFAULT_LEVEL) -> Report:
    """Report on each sentence of ``text`` and score the whole; words whose vocabulary
    level (``lexicon.word_level``: 1 … 7) is above ``level`` are listed per sentence.

    >>> analyze("駅へ行きます。").band  # five words, one 漢語, three 和語, no verb: 5.524
    '初級前半'
    """
    sentences = split_sentences(text)
    # One tokenization of the whole text (fewer SudachiPy calls), then grouped by sentence.
    all_tokens = tokens(text)
    if len(sentences) == 1 and sentences[0][0] == 0 and len(sentences[0][1]) == len(text):
        # One sentence that is the whole text: its report is the text's.
        only = _sentence(text, 0, all_tokens, level)
        return Report(sentences=(only,), score=only.score, band=only.band, counts=only.counts)
    reports = [
        _sentence(sentence, start, toks, level)
        for (start, sentence), toks in zip(
            sentences, tokens_by_sentence(all_tokens, sentences), strict=True
        )
    ]
    total = reports[0].counts if len(reports) == 1 else total_counts(r.counts for r in reports)
    score = readability(total, len(reports))
    return Report(sentences=tuple(reports), score=score, band=band(score), counts=total)
