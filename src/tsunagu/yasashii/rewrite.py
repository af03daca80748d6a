"""Rule-based rewriting into やさしい日本語, with a check that no fact is lost.

``rewrite(text)`` applies, sentence by sentence, the rules of the 在留支援のためのやさしい
日本語ガイドライン and of 弘前大学 (japan.md §5): Arabic numerals, plain dates with the
weekday, 午前・午後 times, honorifics turned plain-polite, 〜を行う → 〜する, a
paraphrase dictionary, double negatives made positive, official terms kept with a short
explanation, 〜ことができます in the potential form, a long sentence's time (span, date or
day), a bracketed telephone number, a reason (〜ため、) and the place of an event each in a
sentence of their own, two steps (〜てから〜てください) as two requests, and long sentences
split at clause boundaries (〜ので、〜ため、〜と、〜て、) with です・ます endings. Every
rule is language data (``data/rewrite.yaml``, ``data/honorifics.yaml``) driven by a small
named function.

Meaning is never lost: ``facts(text)`` extracts numbers, dates, times, amounts, telephone
numbers, postal codes, URLs and proper nouns. After the rules the facts of the source
sentence must still be in the result (compared in a normal form: half-width digits,
Arabic numerals, 西暦); if one is missing, the rules run again one by one, each checked,
and the change of a rule that would drop a fact is undone for that sentence and recorded
as a fallback.

A readability guard follows: if jReadability (``analyze``) puts the result in a harder
level band than the source, the sentence is split at every clause and term explanations
move into sentences of their own; if it is still harder, the rules in ``UNDOABLE``
(paraphrases, 漢語 verbs made 和語 verbs, explanations, numerals, 〜を行う, the
potential form, time and telephone notes) are undone one by one, and the guideline's own
rules (``GUIDELINE_RULES``: plain polite forms, positive statements, plain dates and
times) last, only in a sentence of at least ``GUARD_MIN_WORDS`` words. A lower score in
the same band is accepted: the regression counts the verb of にげてください against
避難してください, which the guidelines ask for. On the test corpus no sentence falls into
a harder band.

Rewriters are pluggable (``Rewriter`` and ``RewriterRegistry``): a city may register an
LLM rewriter; its output goes through the same fact check and falls back to the rules.

>>> rewrite("ご記入ください。", today=date(2026, 11, 25)).text
'書いてください。'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from itertools import accumulate
from typing import Any, Protocol, runtime_checkable

from tsunagu.yasashii._sudachi import Token

# _counts: the source's tokens serve both the fact extractor and its score.
from tsunagu.yasashii.analysis import (
    BANDS,
    WordCounts,
    _counts,
    band,
    readability,
    split_sentences,
    tokens_by_sentence,
    total_counts,
)
from tsunagu.yasashii.lexicon import (
    city_words,
    load_data,
    required_literal,
    token_memo,
    tokens,
)

# The guard may undo a guideline rule only in a sentence of at least this many words: in
# a shorter one a single word (午後 in 午後3時) moves jReadability by a whole band, and the
# score says nothing about such a sentence.
GUARD_MIN_WORDS = 12
# Sentences up to this length are not split (the 弘前大学 rules aim at short sentences).
SPLIT_OVER = 20
# An output sentence longer than this is retried with every clause split and explanations
# in sentences of their own (the quality target counts sentences over 40 characters).
LONG_SENTENCE = 40
MIN_CLAUSE = 6
# A time span moves into a sentence of its own in a sentence longer than this.
TIME_NOTE_OVER = 24

_FULL_WIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in "（）！？、。："}
    | {"：": ":", "　": " "}
)
_HAS_FULL_WIDTH = re.compile("[" + re.escape("".join(map(chr, _FULL_WIDTH))) + "]")
_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_BIG = {"万": 10_000, "億": 100_000_000}
_KANJI_NUMERAL = "〇零一二三四五六七八九十百千万億"
JST = timezone(timedelta(hours=9), "JST")
ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
WEEKDAYS = "月火水木金土日"


# --- Facts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """Something the reader must still find after rewriting; ``value`` is its normal form."""

    kind: str
    text: str
    value: str


def _today() -> date:
    # Notices are dated in Japan: the reference year changes at midnight JST.
    return datetime.now(tz=JST).date()


def kanji_to_int(numeral: str) -> int:
    """The value of a kanji numeral, positional (二〇二六) or with units (千五百).

    >>> kanji_to_int("二万三千五百"), kanji_to_int("二〇二六")
    (23500, 2026)
    """
    if all(c in _KANJI_DIGITS for c in numeral):
        return int("".join(str(_KANJI_DIGITS[c]) for c in numeral))
    total = section = digit = 0
    for c in numeral:
        if c in _KANJI_DIGITS:
            digit = digit * 10 + _KANJI_DIGITS[c]
        elif c in _KANJI_UNITS:
            section += (digit or 1) * _KANJI_UNITS[c]
            digit = 0
        elif c in _KANJI_BIG:
            total += (section + digit or 1) * _KANJI_BIG[c]
            section = digit = 0
        else:
            raise ValueError(f"not a kanji numeral: {numeral!r}")
    return total + section + digit


def _arabic(value: int) -> str:
    # 10000 → 1万: large round numbers read more easily with 万 (and keep the fact form).
    if value >= 10_000 and value % 10_000 == 0 and value < 100_000_000:
        return f"{value // 10_000}万"
    return str(value)


@cache
def _numeral_regex() -> re.Pattern[str]:
    data = load_data("rewrite.yaml")
    counters = "|".join(map(re.escape, sorted(data["counters"], key=len, reverse=True)))
    return re.compile(f"(?<![0-9.,])[{_KANJI_NUMERAL}]+(?=(?:{counters}))")


@cache
def _numeral_words() -> tuple[str, ...]:
    return tuple(load_data("rewrite.yaml")["numeral_words"])


def numerals(sentence: str) -> str:
    """Full-width digits to half-width and kanji numerals before a counter to Arabic.

    >>> numerals("三十人、千五百円、一般の方、１２日")
    '30人、1500円、一般の方、12日'
    """
    if _HAS_FULL_WIDTH.search(sentence):
        sentence = sentence.translate(_FULL_WIDTH)
    words = _numeral_words()

    def repl(m: re.Match[str]) -> str:
        before = sentence[max(0, m.start() - 2) : m.start()]
        if not before.endswith(("午前", "午後", "時")) and any(
            sentence.startswith(w, m.start()) for w in words
        ):
            return m.group()
        try:
            return _arabic(kanji_to_int(m.group()))
        except ValueError:
            return m.group()

    return _numeral_regex().sub(repl, sentence)


def _western_years(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        n = 1 if m.group(2) == "元" else int(m.group(2))
        return f"{ERAS[m.group(1)] + n}年"

    return _ERA_YEAR.sub(repl, text) if "年" in text else text


_ERA_YEAR = re.compile(r"(令和|平成|昭和)(\d+|元)年")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")


_MIXED_AMOUNT = re.compile(r"\d+(?:[億万千百]\d*)+(?=円)")
_TO_KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")


def _normalize(text: str) -> str:
    text = numerals(text)
    if "," in text:
        text = _THOUSANDS.sub("", text)
    if "円" in text:
        # 1万5千円 → 15000円, only for amounts (1万人 stays a number 1 with 万).
        text = _MIXED_AMOUNT.sub(lambda m: str(kanji_to_int(m.group().translate(_TO_KANJI))), text)
    return _western_years(text)


_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_PHONE = re.compile(r"(?<![\d-])0\d{1,4}-\d{1,4}-\d{3,4}(?![\d-])|\(0\d{1,4}\)\d{1,4}-\d{4}")
_POSTAL = re.compile(r"〒\s?\d{3}-?\d{4}|(?<![\d-])\d{3}-\d{4}(?![\d-])")
_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_TIME = re.compile(r"(午前|午後)?(\d{1,2})時(?!間)(?:(\d{1,2})分|(半))?|(\d{1,2}):(\d{2})")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万|億)?円")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _date_value(year: str | None, month: str, day: str, ref_year: int) -> str:
    # A year equal to the reference year is the one a reader assumes, so 2026年11月24日
    # and 11月24日 are the same fact in a notice of 2026.
    if year is None or int(year) == ref_year:
        return f"{int(month):02d}-{int(day):02d}"
    return f"{int(year)}-{int(month):02d}-{int(day):02d}"


def _time_value(m: re.Match[str]) -> str:
    if m.group(5) is not None:
        return f"{int(m.group(5)):02d}:{m.group(6)}"
    hour = int(m.group(2))
    if m.group(1) == "午後" and hour < 12:
        hour += 12
    minute = 30 if m.group(4) else int(m.group(3) or 0)
    return f"{hour:02d}:{minute:02d}"


def _proper_nouns(text: str, toks: list[Token] | None = None) -> list[str]:
    # Compared later in the normal form, so a name must read the same there; a token of
    # kanji numerals only (十人 misread) is not a name, and era names are not facts of
    # their own (the date is). ``toks`` (of ``text``) are reused unless a name changes
    # in the normal form.
    normal = _normalize(text)

    def names(toks: list[Token]) -> list[str]:
        return [
            t.surface
            for t in toks
            if t.pos[1] == "固有名詞"
            and t.surface.strip()
            and t.surface not in ERAS
            and not all(c in _KANJI_NUMERAL for c in t.surface)
        ]

    found = names(toks if toks is not None else tokens(text))
    if normal != text and any(w not in normal for w in found):
        found = names(tokens(normal))
    # City names are proper nouns even where the city dictionary tags them as places only.
    found += city_words(text)
    return list(dict.fromkeys(found))


_ANY_FACT = re.compile(r"\d|https?://")


def _strip_digits(m: re.Match[str]) -> str:
    return re.sub(r"\D", "", m.group())


_FACT_PATTERNS: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str] | None], ...] = (
    ("url", _URL, lambda m: m.group().rstrip(".,")),
    ("phone", _PHONE, _strip_digits),
    ("postal", _POSTAL, _strip_digits),
    ("date", _DATE, None),  # needs the reference year
    ("time", _TIME, lambda m: _time_value(m)),
    ("amount", _AMOUNT, lambda m: _amount_value(m)),
    ("number", _NUMBER, lambda m: m.group()),
)


def _pattern_facts(text: str, ref_year: int, *, normal: str | None = None) -> list[Fact]:
    """The facts of ``text`` found by pattern (``normal``: its normal form, if known).

    Each kind is taken in turn and its matches blanked, so that the digits of a
    telephone number are not counted again as numbers.
    """
    s = _normalize(text) if normal is None else normal
    found: list[Fact] = []
    if not _ANY_FACT.search(s):
        return found  # every pattern needs a digit or a URL
    for kind, regex, value in _FACT_PATTERNS:
        matches = list(regex.finditer(s))
        if not matches:
            continue
        parts: list[str] = []
        pos = 0
        for m in matches:
            v = (
                value(m)
                if value is not None
                else _date_value(m.group(1), m.group(2), m.group(3), ref_year)
            )
            found.append(Fact(kind, m.group(), v))
            parts.append(s[pos : m.start()])
            parts.append(" " * (m.end() - m.start()))
            pos = m.end()
        parts.append(s[pos:])
        s = "".join(parts)
    return found


def _amount_value(m: re.Match[str]) -> str:
    value = float(m.group(1)) * _KANJI_BIG.get(m.group(2) or "", 1)
    return f"{value:.0f}円" if value.is_integer() else f"{value}円"


def facts(text: str, *, today: date | None = None) -> tuple[Fact, ...]:
    """Numbers, dates, times, amounts, telephone numbers, postal codes, URLs and proper nouns.

    ``value`` is a normal form shared by every way of writing the same fact (half-width,
    Arabic numerals, 西暦; a date in the year of ``today`` without its year).

    >>> [(f.kind, f.value) for f in facts("令和8年11月24日の午後3時に3,000円", today=date(2026, 1, 1))]
    [('date', '11-24'), ('time', '15:00'), ('amount', '3000円')]
    """
    ref_year = (today or _today()).year
    nouns = [Fact("proper_noun", w, w) for w in _proper_nouns(text)]
    return (*_pattern_facts(text, ref_year), *nouns)


def missing_facts(
    source: Iterable[Fact], output: str, *, today: date | None = None
) -> tuple[Fact, ...]:
    """The facts of ``source`` that ``output`` no longer contains (compared in normal form).

    >>> missing_facts(facts("3人と5人"), "3人")
    (Fact(kind='number', text='5', value='5'),)
    """
    source = tuple(source)
    if not source:
        return ()
    # Proper nouns are looked up as substrings, so the check needs no tokenization.
    normal = _normalize(output)
    present = (
        {(f.kind, f.value) for f in _pattern_facts(output, (today or _today()).year, normal=normal)}
        if any(f.kind != "proper_noun" for f in source)
        else set()
    )
    return tuple(
        f
        for f in source
        if (f.value not in normal if f.kind == "proper_noun" else (f.kind, f.value) not in present)
    )


# --- Verb forms ---------------------------------------------------------------------------

_ROWS = {
    # dictionary ending: (連用 i, 未然 a, 仮定 e, て形)
    "う": ("い", "わ", "え", "って"),
    "く": ("き", "か", "け", "いて"),
    "ぐ": ("ぎ", "が", "げ", "いで"),
    "す": ("し", "さ", "せ", "して"),
    "つ": ("ち", "た", "て", "って"),
    "ぬ": ("に", "な", "ね", "んで"),
    "ぶ": ("び", "ば", "べ", "んで"),
    "む": ("み", "ま", "め", "んで"),
    "る": ("り", "ら", "れ", "って"),
}
_A_TO_U = {v[1]: k for k, v in _ROWS.items()}
_A_TO_I = {v[1]: v[0] for v in _ROWS.values()}


@dataclass(frozen=True, slots=True)
class VerbForms:
    """The conjugated stems the rules need (each spelled out, suffixes follow)."""

    dictionary: str
    renyou: str  # ます形の語幹: 書き
    mizen: str  # ない形の語幹: 書か
    te: str  # 書いて
    ta: str  # 書いた
    ba: str  # 書けば
    passive: str  # 書かれ
    potential: str  # 書け


def _verb_class(verb: str, godan_ru: Iterable[str] = ()) -> str:
    if verb.endswith("する"):
        return "suru"
    if verb.endswith(("来る", "くる")):
        return "kuru"
    if verb.endswith("る") and not any(verb.endswith(g) for g in godan_ru):
        return "ichidan"
    return "godan"


def verb_forms(verb: str, verb_class: str | None = None) -> VerbForms:
    """Conjugated stems of ``verb`` (辞書形); the class is guessed unless given.

    >>> verb_forms("書く").te, verb_forms("にげる").potential, verb_forms("帰る", "godan").renyou
    ('書いて', 'にげられ', '帰り')
    """
    cls = verb_class or _verb_class(verb, _godan_ru())
    if cls == "suru":
        b = verb[:-2]
        return VerbForms(
            verb, b + "し", b + "し", b + "して", b + "した", b + "すれば", b + "され", b + "でき"
        )
    if cls == "kuru":
        if verb.endswith("来る"):
            b = verb[:-1]
            return VerbForms(verb, b, b, b + "て", b + "た", b + "れば", b + "られ", b + "られ")
        b = verb[:-2]
        return VerbForms(
            verb,
            b + "き",
            b + "こ",
            b + "きて",
            b + "きた",
            b + "くれば",
            b + "こられ",
            b + "こられ",
        )
    if cls == "ichidan":
        b = verb[:-1]
        return VerbForms(verb, b, b, b + "て", b + "た", b + "れば", b + "られ", b + "られ")
    b, end = verb[:-1], verb[-1]
    i, a, e, te = _ROWS[end]
    if verb.endswith(("行く", "いく")) and not verb.endswith("続く"):
        te = "って"
    ta = te[:-1] + ("た" if te.endswith("て") else "だ")
    return VerbForms(verb, b + i, b + a, b + te, b + ta, b + e + "ば", b + a + "れ", b + e)


def _token_class(t: Token) -> str:
    conj = t.pos[4]
    if conj.startswith("サ行"):
        return "suru"
    if conj.startswith("カ行"):
        return "kuru"
    if conj.startswith(("上一段", "下一段")):
        return "ichidan"
    return "godan"


def _token_forms(t: Token) -> VerbForms | None:
    lemma = t.dictionary_form
    if not lemma or lemma[-1] not in _ROWS:
        return None
    try:
        return verb_forms(lemma, _token_class(t))
    except (KeyError, IndexError):
        return None


# --- Rules --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    today: date
    explained: set[str] = field(default_factory=set)
    short: bool = False  # split at every clause; explain terms in sentences of their own
    # (rule, input, short) → output, for one source sentence: the guard runs the rules
    # several times over, and most runs share their first steps.
    memo: dict[tuple[str, str, bool], str] = field(default_factory=dict)
    # Output sentence → its word counts, for the guard's scores (see ``_score``).
    counts: dict[str, WordCounts] = field(default_factory=dict)


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = load_data("rewrite.yaml")
    return data


@cache
def _godan_ru() -> tuple[str, ...]:
    return tuple(_data()["godan_ru"])


Rule = tuple[re.Pattern[str], str, str]
"""A compiled rule: regex, replacement, and the literal every match contains (or "")."""


def _compile(pairs: Iterable[Iterable[str]]) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for a, b in pairs:
        regex = re.compile(a)
        rules.append((regex, b, required_literal(regex)))
    return tuple(rules)


@cache
def _rules(section: str) -> tuple[Rule, ...]:
    """The compiled [regex, replacement] pairs of a section of ``rewrite.yaml``."""
    return _compile(_data()[section])


@cache
def honorific_rewrites() -> tuple[Rule, ...]:
    """[regex, replacement] pairs from ``honorifics.yaml`` (each entry's ``rewrites``)."""
    entries = load_data("honorifics.yaml")
    return _compile(pair for e in entries for pair in e.get("rewrites") or ())


def _sub_all(rules: Iterable[Rule], sentence: str) -> str:
    for regex, replacement, literal in rules:
        if literal and literal not in sentence:
            continue  # cannot match: skip the regex engine
        sentence = regex.sub(replacement, sentence)
    return sentence


_DATE_FULL = re.compile(
    r"(?:(令和|平成|昭和)(\d+|元)年|(\d{4})年)?(\d{1,2})月(\d{1,2})日"
    r"(?:\s?[（(]([月火水木金土日])(?:曜日?)?[）)])?"
)


def dates(sentence: str, *, today: date) -> str:
    """Dates in a plain form: 西暦 or 和暦 with the year → 11月24日（火曜日）.

    The year stays (in 西暦) when it is not the year of ``today``; a date without a year
    keeps its own weekday, if any; an impossible date or a wrong weekday is left alone.

    >>> dates("令和8年11月24日", today=date(2026, 4, 1))
    '11月24日（火曜日）'
    """

    def repl(m: re.Match[str]) -> str:
        era, era_year, year_text, month, day, weekday = m.groups()
        if era:
            year: int | None = ERAS[era] + (1 if era_year == "元" else int(era_year))
        else:
            year = int(year_text) if year_text else None
        if year is None:
            return f"{int(month)}月{int(day)}日（{weekday}曜日）" if weekday else m.group()
        try:
            actual = WEEKDAYS[date(year, int(month), int(day)).weekday()]
        except ValueError:
            return m.group()
        if weekday and weekday != actual:
            return m.group()
        prefix = "" if year == today.year else f"{year}年"
        return f"{prefix}{int(month)}月{int(day)}日（{actual}曜日）"

    return _DATE_FULL.sub(repl, sentence)


_TIME_24 = re.compile(r"(?<![午前後\d:])(1[3-9]|2[0-3])時(?!間)")


def times(sentence: str) -> str:
    """24-hour times in 午前・午後: 17時 → 午後5時 (17時30分 → 午後5時30分).

    Clock times such as 8:30 stay: their digits read the same in every language.

    >>> times("15時から17時30分まで、8:30は")
    '午後3時から午後5時30分まで、8:30は'
    """
    return _TIME_24.sub(lambda m: f"午後{int(m.group(1)) - 12}時", sentence)


def honorifics(sentence: str) -> str:
    """尊敬語・謙譲語 to plain polite forms (``honorifics.yaml``), then 〜ております etc.

    >>> honorifics("ご記入ください。お願いいたします。")
    '記入してください。お願いします。'
    """
    sentence = _sub_all(honorific_rewrites(), sentence)
    return _sub_all(_rules("polite"), sentence)


def okonau(sentence: str) -> str:
    """〜を行う → 〜する.

    >>> okonau("点検を行います。"), okonau("住民税の申告を行います。")
    ('点検します。', '住民税の申告をします。')
    """
    return _okonau_regex().sub(_okonau_repl, sentence)


@cache
def _okonau_regex() -> re.Pattern[str]:
    forms = "|".join(map(re.escape, sorted(_data()["okonau"], key=len, reverse=True)))
    return re.compile(f"(の[一-龥ァ-ヶー]+)?を({forms})")


def _okonau_repl(m: re.Match[str]) -> str:
    plain = str(_data()["okonau"][m.group(2)])
    return f"{m.group(1)}を{plain}" if m.group(1) else plain


_TAILS = ("したい", "しま", "して", "した", "しな", "する", "すれば", "され", "でき", "し、")


@cache
def _verb_regex() -> tuple[re.Pattern[str], dict[str, tuple[VerbForms, str | None]]]:
    entries = {noun: (verb_forms(e["verb"]), e.get("noun")) for noun, e in _data()["verbs"].items()}
    nouns = "|".join(map(re.escape, sorted(entries, key=len, reverse=True)))
    tails = "|".join(map(re.escape, _TAILS))
    return re.compile(
        f"(?<![一-龥])({nouns})(?:({tails})|(?=[はをがにのもへと、。]|から|まで|$))"
    ), entries


def _conjugate(forms: VerbForms, tail: str) -> str:
    return {
        "したい": forms.renyou + "たい",
        "しま": forms.renyou + "ま",
        "して": forms.te,
        "した": forms.ta,
        "しな": forms.mizen + "な",
        "する": forms.dictionary,
        "すれば": forms.ba,
        "され": forms.passive,
        "でき": forms.potential,
        "し、": forms.renyou + "、",
    }[tail]


def paraphrase(sentence: str) -> str:
    """Difficult words to plain ones: サ変 verbs conjugated (提出して → 出して), then words.

    >>> paraphrase("至急、書類を提出してください。")
    'すぐに、書類を出してください。'
    """
    return paraphrase_verbs(paraphrase_words(sentence))


def paraphrase_words(sentence: str) -> str:
    """Difficult words and set phrases to plain ones (至急 → すぐに, 道路 → 道).

    >>> paraphrase_words("至急、道路を確認してください。")
    'すぐに、道を確認してください。'
    """
    # Words first (至急提出 → すぐに提出), so that the verb is no longer inside a compound.
    return _sub_all(_rules("words"), sentence)


def paraphrase_verbs(sentence: str) -> str:
    """漢語 サ変 verbs to 和語 verbs, conjugated (提出して → 出して, 避難する → にげる); a
    bare noun is replaced only before a particle or the end.

    A rule of its own, so that the readability guard can undo it alone: jReadability
    counts the new verb against the sentence (避難してください has none: する is not
    counted), while the plain words stay.

    >>> paraphrase_verbs("避難してください。")
    'にげてください。'
    """
    regex, entries = _verb_regex()

    def repl(m: re.Match[str]) -> str:
        forms, noun = entries[m.group(1)]
        if m.group(2):
            return _conjugate(forms, m.group(2))
        return noun or m.group()

    return regex.sub(repl, sentence)


def _stem_forms(c: str, before: str = "") -> tuple[str, str, str]:
    """(辞書形, ます形, て形) ending for ``c``, the last character of a ない形 stem."""
    if c in ("し", "せ"):
        return "する", "します", "して"
    if c == "こ":
        return "くる", "きます", "きて"
    if c in _A_TO_U:
        te = "って" if before == "行" and c == "か" else verb_forms(_A_TO_U[c], "godan").te
        return _A_TO_U[c], _A_TO_I[c] + "ます", te
    return c + "る", c + "ます", c + "て"


def double_negatives(sentence: str) -> str:
    """二重否定 stated positively.

    >>> double_negatives("申請できないことはありません。")
    '申請できます。'
    """
    for regex, template, literal in _rules("double_negatives"):
        if literal and literal not in sentence:
            continue  # cannot match

        def repl(m: re.Match[str], template: str = template) -> str:
            before = m.string[m.start(1) - 1 : m.start(1)] if m.start(1) else ""
            dictionary, masu, te = _stem_forms(m.group(1), before)
            return template.format(dict=dictionary, masu=masu, te=te)

        sentence = regex.sub(repl, sentence)
    return sentence


@cache
def _term_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    terms = {str(k): str(v) for k, v in _data()["terms"].items()}
    alternatives = "|".join(map(re.escape, sorted(terms, key=len, reverse=True)))
    # Not inside a longer compound: 印鑑 stays bare in 印鑑登録証明書.
    word = "一-龥々ァ-ヶー"
    return re.compile(f"(?<![{word}])({alternatives})(?![（({word}])"), terms


def official_terms(
    sentence: str, *, explained: set[str] | None = None, separate: bool = False
) -> str:
    """Official terms stay, with a short explanation in brackets at their first use, or
    (``separate``) in a sentence of its own after the sentence.

    >>> official_terms("罹災証明書を出してください。")
    '罹災証明書（家などが こわれたことを 証明する 紙）を出してください。'
    >>> official_terms("住民票を出してください。", separate=True)
    '住民票を出してください。住民票は、住んでいる ところを 証明する 紙です。'
    """
    regex, terms = _term_regex()
    seen = set(explained or ())
    separate = separate and sentence.endswith("。")
    notes: list[str] = []

    def repl(m: re.Match[str]) -> str:
        term = m.group(1)
        if term in seen:
            return term
        seen.add(term)
        if separate:
            notes.append(f"{term}は、{terms[term]}です。")
            return term
        return f"{term}（{terms[term]}）"

    return regex.sub(repl, sentence) + "".join(notes)


_KOTO_GA_DEKIRU = re.compile(
    r"([一-龥][ぁ-ゖ]{0,3}?[うくぐすつぬぶむる])ことができ(ます|ません|る|ない)(?=[。、]|$)"
)


def potential(sentence: str) -> str:
    """〜ことができます in the shorter potential form: 借りることができます → 借りられます.

    The verb's conjugation comes from the dictionary (走る is 五段: 走れます).

    >>> potential("10冊まで借りることができます。"), potential("払うことができません。")
    ('10冊まで借りられます。', '払えません。')
    """

    def repl(m: re.Match[str]) -> str:
        verb = m.group(1)
        toks = tokens(verb)
        if len(toks) != 1 or toks[0].pos[0] != "動詞" or toks[0].dictionary_form != verb:
            return m.group()
        forms = _token_forms(toks[0])
        if forms is None or not forms.potential:
            return m.group()
        stem = forms.potential
        return stem + {"ます": "ます", "ません": "ません", "る": "る", "ない": "ない"}[m.group(2)]

    return _KOTO_GA_DEKIRU.sub(repl, sentence)


_WHEN = (
    r"(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:（[月火水木金土日]曜日）)?)?"
    r"(?:(?:午前|午後|朝|夜|昼の)?\d{1,2}時(?:\d{1,2}分|半)?|\d{1,2}:\d{2})?"
)
_DAYS = r"(?:(?:平日|毎週|毎月第?\d(?:・第\d)*|第\d(?:・第\d)*)?(?:[月火水木金土日]曜日|平日)(?:と[月火水木金土日]曜日)?の)?"
_TIME_NOTE = re.compile(
    f"(?<=[、はでを])({_DAYS}(?=[0-9午朝夜])(?:{_WHEN})(?:から(?=[0-9午朝夜])(?:{_WHEN})まで|から|まで))"
    "に?(?=[^0-9、。])"
)
# A point in time said with に: a date (or a month, 上旬…下旬), a day every month or
# week, with an optional clock time.
_POINT = (
    r"(?:(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日(?:（[月火水木金土日]曜日）)?|[上中下]旬|の(?:初め|中ごろ|終わり))?"
    r"|毎月\d{1,2}日|毎月第\d[月火水木金土日]曜日|毎週[月火水木金土日]曜日)"
    r"(?:(?:午前|午後)\d{1,2}時(?:\d{1,2}分|半)?)?"
)
_POINT_NOTE = re.compile(f"(?<=[、はでを])({_POINT})に(?=[^0-9、。])")
_LIST_ITEM_BEFORE = re.compile("[0-9月日]、$")
# A time span that opens the sentence before a comma: 午前9時から正午まで、窓口を開きます。
_LEADING_TIME_NOTE = re.compile(
    f"^({_DAYS}(?=[0-9午朝夜昼])(?:{_WHEN})(?:から(?=[0-9午朝夜昼])(?:{_WHEN})まで|から|まで))、"
)


_REST_HAS_OBJECT = re.compile("[でへにをが]|から")
# How often, said before the rest: 募集は、年4回、1月、4月、7月、10月に行います。
_FREQUENCY_NOTE = re.compile(r"^([^、。]+?は、)((?:年|月|週|1日)\d{1,2}回)、")


def time_notes(sentence: str) -> str:
    """A long sentence's time span (〜から〜まで) moves into a sentence of its own, so that
    the reader finds the time at once: ``予約は、11月1日午前9時から電話で受け付けます。``
    → ``予約は、電話で受け付けます。11月1日午前9時からです。``

    Only for a sentence over ``TIME_NOTE_OVER`` characters that ends in ます or ください.

    >>> time_notes("窓口は、12月1日から12月5日まで市役所1階で受け付けます。")
    '窓口は、市役所1階で受け付けます。12月1日から12月5日までです。'
    """
    if len(sentence) <= TIME_NOTE_OVER or not sentence.endswith(("ます。", "ください。")):
        return sentence
    if (often := _FREQUENCY_NOTE.match(sentence)) and _REST_HAS_OBJECT.search(
        sentence, often.end()
    ):
        return f"{often.group(1)}{often.group(2)}です。{sentence[often.end() :]}"
    if (lead := _LEADING_TIME_NOTE.match(sentence)) and _REST_HAS_OBJECT.search(
        sentence, lead.end()
    ):
        return f"{sentence[lead.end() :]}{lead.group(1)}です。"
    m = _TIME_NOTE.search(sentence) or _POINT_NOTE.search(sentence)
    # The rest must still say where or what (電話で受け付けます), not a bare verb.
    if m is None or len(m.group(1)) < 2 or _LIST_ITEM_BEFORE.search(sentence, 0, m.start()):
        return sentence  # the last item of a list (1月、4月、7月に) is not a time of its own
    clause_start = sentence.rfind("、", 0, m.start()) + 1
    if not (
        _REST_HAS_OBJECT.search(sentence, m.end())
        or _REST_HAS_OBJECT.search(sentence, clause_start, m.start())
    ):
        # 申込みは、〜まで受け付けます。→ 申込みを受け付けます。: what the sentence is
        # about becomes the object of a verb that takes one (the place notes' verbs).
        verb = sentence[m.end() : -1]
        topic = sentence[: m.start()]
        if not (topic.endswith("は、") and "、" not in topic[:-1] and verb in _object_verbs()):
            return sentence
        return f"{topic[:-2]}を{verb}。{m.group(1)}です。"
    return f"{sentence[: m.start()]}{sentence[m.end() :]}{m.group(1)}です。"


@cache
def _object_verbs() -> frozenset[str]:
    return frozenset(_data()["place_notes"]["verbs"])


@cache
def _place_regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    data = _data()["place_notes"]
    suffixes = "|".join(map(re.escape, data["suffixes"]))
    verbs = "|".join(map(re.escape, sorted(data["verbs"], key=len, reverse=True)))
    place = f"(?:[^、。をにがはでへ]|または)*?(?:{suffixes})"
    return (
        re.compile(f"^([^、。]+?)は、({place})で({verbs})。"),  # 説明会は、体育館で開きます。
        re.compile(f"^({place})では、([^、。]+?を(?:{verbs}))。"),  # 支所では、〜を受け付けます。
        re.compile(f"^([^、。]+?を)、({place})で({verbs})。"),  # 相談会を、会場で行います。
    )


def place_notes(sentence: str) -> str:
    """The place of an event or a service moves into a sentence of its own: ``説明会は、
    体育館で開きます。`` → ``説明会を開きます。場所は、体育館です。`` (the first sentence
    only; what follows, such as a time note, stays after it).

    >>> place_notes("那珂湊支所では、証明書の申し込みを受け付けています。")
    '証明書の申し込みを受け付けています。場所は、那珂湊支所です。'
    """
    if "で" not in sentence:
        return sentence
    about, where, what = _place_regexes()
    if m := about.match(sentence):
        if len(m.group(1)) < 2:
            return sentence
        head = f"{m.group(1)}を{m.group(3)}。場所は、{m.group(2)}です。"
    elif m := where.match(sentence):
        head = f"{m.group(2)}。場所は、{m.group(1)}です。"
    elif m := what.match(sentence):
        head = f"{m.group(1)}{m.group(3)}。場所は、{m.group(2)}です。"
    else:
        return sentence
    return head + sentence[m.end() :]


_THEN = re.compile("(?<=[ぁ-ゖ])([てで])から、?(?=[^。]{2,}ください。)")


def sequence_steps(sentence: str) -> str:
    """Two steps asked in one sentence (〜てから〜てください) become two requests, one per
    sentence, in their order: ``水気を切ってから出してください。`` → ``水気を切って
    ください。それから、出してください。``

    >>> sequence_steps("スプレー缶は、中身を使い切ってから出してください。")
    'スプレー缶は、中身を使い切ってください。それから、出してください。'
    """
    if "から" not in sentence:
        return sentence
    m = _THEN.search(sentence)
    # The first step needs words of its own (a sentence before it may end in 。).
    if m is None or m.start() - (sentence.rfind("。", 0, m.start()) + 1) < MIN_CLAUSE:
        return sentence
    return f"{sentence[: m.end(1)]}ください。それから、{sentence[m.end() :]}"


_REASON = re.compile("ため(?:に)?、")
_REASON_END = ("ください。", "ます。", "です。", "ません。")


def reason_notes(sentence: str) -> str:
    """A purpose or reason (〜ため、) moves after the main clause, in a sentence of its
    own ending in ためです: the request or the news comes first, one idea per sentence.

    >>> reason_notes("食中毒を防ぐため、調理の前には手を洗ってください。")
    '調理の前には手を洗ってください。食中毒を防ぐためです。'
    """
    if not sentence.endswith(_REASON_END) or "ため" not in sentence:
        return sentence
    m = _REASON.search(sentence)
    if m is None:
        return sentence
    clause_start = sentence.rfind("、", 0, m.start()) + 1
    reason = sentence[clause_start : m.start()]
    rest = sentence[:clause_start] + sentence[m.end() :]
    # そのため、 is a connective, not a reason of this sentence; a bare noun (台風のため
    # is said 台風で by the paraphrases) needs its own words to stand alone.
    if len(reason) < 4 or reason.startswith(("その", "この", "あの")) or len(rest) < MIN_CLAUSE:
        return sentence
    if "。" in rest[:-1]:
        return sentence  # the reason belongs to the first of two sentences
    return f"{rest}{reason}ためです。"


_PHONE_NOTE = re.compile(
    r"[（(](?:電話|TEL|Tel|tel|℡)[:：]?\s*((?:0\d{1,4}-\d{1,4}-\d{3,4})|(?:0\d{9,10}))[）)]"
)


def phone_notes(sentence: str) -> str:
    """A telephone number in brackets moves into a sentence of its own (one idea per
    sentence): ``市民課（電話029-273-0111）まで`` → ``市民課まで…。電話番号は、029-273-0111です。``

    >>> phone_notes("市民課（電話029-273-0111）まで連絡してください。")
    '市民課まで連絡してください。電話番号は、029-273-0111です。'
    """
    if not sentence.endswith("。"):
        return sentence
    numbers: list[str] = []

    def repl(m: re.Match[str]) -> str:
        numbers.append(m.group(1))
        return ""

    body = _PHONE_NOTE.sub(repl, sentence)
    return body + "".join(f"電話番号は、{n}です。" for n in numbers)


# --- Splitting long sentences -------------------------------------------------------------


def _polite(clause: list[Token], text: str, base: int) -> str | None:
    """``text`` (the clause, ``clause`` its tokens) ending in です・ます, or None."""
    if text.endswith(("ます", "です", "ました", "でした", "ません")):
        return text
    last = clause[-1]
    prev = clause[-2] if len(clause) > 1 else None

    def head(t: Token) -> str:
        return text[: t.start - base]

    if last.pos[0] == "助動詞" and last.dictionary_form == "だ":
        return head(last) + "です"
    if last.pos[0] == "形容詞":
        return text + "です"
    if last.pos[0] == "助動詞" and last.dictionary_form == "た" and prev is not None:
        if prev.pos[0] == "動詞" and (forms := _token_forms(prev)):
            return head(prev) + forms.renyou + "ました"
        if prev.pos[0] == "助動詞" and prev.dictionary_form in ("れる", "られる", "せる", "させる"):
            return head(last) + "ました"  # 発表された → 発表されました (連用形 + ました)
        if prev.pos[0] == "形容詞":
            return text + "です"
        return None
    if last.pos[0] == "助動詞" and last.dictionary_form == "ない" and prev is not None:
        if prev.pos[0] == "動詞" and (forms := _token_forms(prev)):
            return head(prev) + forms.renyou + "ません"
        return None
    if last.pos[0] == "動詞" and (forms := _token_forms(last)):
        return head(last) + forms.renyou + "ます"
    return None


def _boundary(toks: list[Token], i: int) -> tuple[int, str] | None:
    """If the 、 at ``toks[i]`` ends a clause: (index where the connective starts, its kind)."""
    if i < 2:
        return None
    p1, p2 = toks[i - 1], toks[i - 2]
    if p1.surface == "で" and p2.surface == "の" and p1.pos[0] == "助動詞":
        return i - 2, "ので"
    if p1.pos[1] == "接続助詞" and p1.surface in ("から", "が", "けれど", "けれども", "し"):
        return i - 1, p1.surface
    if p1.surface == "ため" and (
        p2.pos[0] in ("助動詞", "形容詞") or (p2.pos[0] == "動詞" and p2.pos[1] == "非自立可能")
    ):
        # A reason (近づいているため、雨が多いため); after a content verb in its dictionary
        # form ため is usually a purpose (食中毒を防ぐため), which だから would misstate.
        return i - 1, "ため"
    if p1.surface == "と" and p1.pos[1] == "接続助詞" and p2.pos[0] == "動詞":
        return i - 1, "と"  # a condition: 間違えると、→ 間違えます。そうすると、
    if p1.surface == "で" and p1.pos[0] == "助動詞" and p2.pos[0] == "名詞" and i >= 3:
        # The copula's て-form (料金は無料で、), but only right after a topic: the tagger
        # also reads a place or a means this way (銀行の窓口で、払えます).
        if toks[i - 3].surface == "は" and toks[i - 3].pos[0] == "助詞":
            return i - 1, "で"
    if p1.pos[0] == "動詞" and p1.pos[5].startswith("連用形-一般"):
        return i, "し"  # 連用中止: the verb itself ends the clause
    if p1.pos[1] == "接続助詞" and p1.surface in ("て", "で") and p2.pos[0] == "動詞":
        return i, "て"
    return None


@cache
def _not_clauses() -> tuple[str, ...]:
    """Compound particles before a 、 that do not end a clause (``rewrite.yaml``)."""
    return tuple(_data()["not_clauses"])


# A 、 that may end a clause follows kana other than a particle that never does (は、に、
# を、も、へ、や、): the clause boundaries of ``_boundary`` all end in kana. Checked
# before tokenizing, as most 、 follow a topic (〜は、).
_MAY_SPLIT = re.compile("(?<![はにをもへや])(?<=[ぁ-ゖ])、")


def _ends_in_request(rest: str) -> bool:
    """Whether the first sentence of ``rest`` is a request (〜てください)."""
    return re.match(r"[^。]*ください(?:。|$)", rest) is not None


def split_long(sentence: str, *, limit: int = SPLIT_OVER) -> str:
    """A sentence over ``limit`` characters split at its clause boundaries (〜ので、〜が、
    〜し、), each part ending in です・ます and the next starting with a connective.

    >>> split_long("大雨が降っているので、川や海には近づかないでください。", limit=20)
    '大雨が降っています。だから、川や海には近づかないでください。'
    """
    if len(sentence) <= limit or not _MAY_SPLIT.search(sentence):
        return sentence
    toks = tokens(sentence)
    connectives: dict[str, str] = _data()["connectives"]
    for i, t in enumerate(toks):
        if t.surface != "、":
            continue
        found = _boundary(toks, i)
        if found is None or sentence.endswith(_not_clauses(), 0, t.start):
            continue
        end, kind = found
        rest = sentence[t.start + 1 :].lstrip()
        clause_text = sentence[: toks[end].start] if end < i else sentence[: t.start]
        clause = [x for x in toks if x.start < len(clause_text)]
        if len(clause_text) < MIN_CLAUSE or len(rest) < MIN_CLAUSE or not clause:
            continue
        first: str | None
        connective = connectives[kind]
        if kind == "し" and end == i and _ends_in_request(rest):
            forms = _token_forms(clause[-1])
            first = clause_text[: clause[-1].start] + forms.te + "ください" if forms else None
            connective = "それから、"
        elif kind == "て" and _ends_in_request(rest):
            first, connective = clause_text + "ください", "それから、"
        elif kind == "て":
            first = _polite(clause[:-1], clause_text[: clause[-1].start], 0)
        elif kind == "で":
            first = clause_text + "です"
        else:
            first = _polite(clause, clause_text, 0)
        if first is None:
            continue
        return f"{first}。{connective}{split_long(rest, limit=limit)}"
    return sentence


# --- The rule-based rewriter --------------------------------------------------------------

RULES: tuple[tuple[str, Callable[[str, _Context], str]], ...] = (
    ("numerals", lambda s, c: numerals(s)),
    ("dates", lambda s, c: dates(s, today=c.today)),
    ("times", lambda s, c: times(s)),
    ("honorifics", lambda s, c: honorifics(s)),
    ("okonau", lambda s, c: okonau(s)),
    ("double_negatives", lambda s, c: double_negatives(s)),
    ("paraphrase", lambda s, c: paraphrase_words(s)),
    ("paraphrase_verbs", lambda s, c: paraphrase_verbs(s)),
    ("potential", lambda s, c: potential(s)),
    ("time_notes", lambda s, c: time_notes(s)),
    ("phone_notes", lambda s, c: phone_notes(s)),
    ("reason_notes", lambda s, c: reason_notes(s)),
    ("sequence_steps", lambda s, c: sequence_steps(s)),
    ("place_notes", lambda s, c: place_notes(s)),
    # Explanations last and in sentences of their own (one idea per sentence): the notes
    # above look for the sentence's end, which a note after it would hide.
    (
        "official_terms",
        lambda s, c: official_terms(s, explained=c.explained, separate=True),
    ),
    ("split", lambda s, c: split_long(s, limit=0 if c.short else SPLIT_OVER)),
)
"""The rules in the order they run; each sees the previous one's accepted output."""

UNDOABLE = frozenset(
    {
        "official_terms",
        "numerals",
        "okonau",
        "paraphrase",
        "paraphrase_verbs",
        "phone_notes",
        "place_notes",
        "potential",
        "reason_notes",
        "sequence_steps",
        "time_notes",
    }
)
"""Rules the readability guard may undo (see ``_rewrite_sentence``)."""

GUIDELINE_RULES = frozenset({"honorifics", "double_negatives", "dates", "times"})
"""Rules the guard undoes last, and never in a short sentence: the guidelines prescribe them."""


@dataclass(frozen=True, slots=True)
class Fallback:
    """A rule whose change was undone for a sentence, and the facts it would have dropped."""

    rule: str
    missing: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class SentenceRewrite:
    source: str
    output: tuple[str, ...]
    rules: tuple[str, ...]
    fallbacks: tuple[Fallback, ...] = ()
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class RewriteResult:
    """The rewritten ``text``, what was done to each sentence, and the facts checked."""

    text: str
    sentences: tuple[SentenceRewrite, ...]
    facts: tuple[Fact, ...]
    missing: tuple[Fact, ...] = ()
    rewriter: str = "rules"

    @property
    def fallbacks(self) -> tuple[Fallback, ...]:
        return tuple(f for s in self.sentences for f in s.fallbacks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the CLI's ``--json`` output)."""
        return asdict(self)


_ONE_SENTENCE = re.compile(r"[^。！？!?．\s「『（(【〈《“〔［]+。")


def _sentences(text: str) -> tuple[str, ...]:
    """``split_sentences(text)``'s sentences (``text`` itself if it is one sentence)."""
    if _ONE_SENTENCE.fullmatch(text):
        return (text,)  # one 。 at the end, nothing that could split or bracket it
    return tuple(s for _, s in split_sentences(text)) or (text,)


_MODAL_RULES = frozenset({"official_terms", "split"})
"""Rules whose output depends on ``_Context.short``."""


def _run(name: str, rule: Callable[[str, _Context], str], text: str, ctx: _Context) -> str:
    key = (name, text, ctx.short and name in _MODAL_RULES)
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = rule(text, ctx)
    return found


def _apply_rules(
    sentence: str, source_facts: tuple[Fact, ...], ctx: _Context, disabled: frozenset[str]
) -> SentenceRewrite:
    # Fast path: all rules, one fact check. Only when a fact is missing at the end are the
    # rules run again, each checked, and the one that drops a fact undone.
    current = sentence
    applied: list[str] = []
    for name, rule in RULES:
        if name not in disabled and (candidate := _run(name, rule, current, ctx)) != current:
            current = candidate
            applied.append(name)
    if not applied or not missing_facts(source_facts, current, today=ctx.today):
        output = _sentences(current)
        return SentenceRewrite(sentence, output, tuple(applied), (), source_facts)
    current = sentence
    applied = []
    fallbacks: list[Fallback] = []
    for name, rule in RULES:
        if name in disabled:
            continue
        candidate = _run(name, rule, current, ctx)
        if candidate == current:
            continue
        missing = missing_facts(source_facts, candidate, today=ctx.today)
        if missing:
            fallbacks.append(Fallback(name, missing))  # undo: keep the lighter version
            continue
        current = candidate
        applied.append(name)
    output = _sentences(current)
    return SentenceRewrite(sentence, output, tuple(applied), tuple(fallbacks), source_facts)


def _sentence_counts(sentences: list[str]) -> dict[str, WordCounts]:
    """The word counts of each sentence, tokenized in one call (as sentences end in 。 no
    word crosses from one to the next)."""
    starts = accumulate(map(len, sentences), initial=0)  # one more than there are sentences
    spans = list(zip(starts, sentences, strict=False))
    toks = tokens("".join(sentences))
    return {s: _counts(t) for (_, s), t in zip(spans, tokens_by_sentence(toks, spans), strict=True)}


@cache
def _term_note_counts() -> dict[str, WordCounts]:
    """The word counts of each term's explanation as a sentence of its own (data, so
    counted once per process, like the compiled patterns)."""
    return _sentence_counts([f"{term}は、{text}です。" for term, text in _term_regex()[1].items()])


def _score(output: tuple[str, ...], ctx: _Context) -> float:
    """``score("".join(output))``, counting each sentence once per source sentence: the
    guard's runs share most of their sentences, so only the new ones are tokenized."""
    known = ctx.counts
    notes = _term_note_counts()
    for sentence in output:
        if sentence not in known and sentence in notes:
            known[sentence] = notes[sentence]
    new = [s for s in dict.fromkeys(output) if s not in known]
    if new:
        known.update(_sentence_counts(new))
    if len(output) == 1:
        return readability(known[output[0]], 1)
    return readability(total_counts(known[s] for s in output), len(output))


def _rewrite_sentence(sentence: str, ctx: _Context) -> SentenceRewrite:
    """All rules, then the readability guard: the result is never in a harder band.

    jReadability counts words per sentence and penalises 漢語 and verbs, so an explanation
    in brackets, a weekday or a verb for a noun can make a sentence score harder. When the
    result falls into a harder band, the sentence is split at every clause boundary and
    terms are explained in sentences of their own; if that is not enough, the rules in
    ``UNDOABLE`` are undone one by one (recorded as fallbacks ``<rule>:harder``), and
    ``GUIDELINE_RULES`` only in a sentence long enough for the score to mean something.
    """
    ctx.memo.clear()  # terms explained so far change official_terms from one sentence on
    ctx.counts.clear()
    toks = tokens(sentence)
    source_facts = (
        *_pattern_facts(sentence, ctx.today.year),
        *(Fact("proper_noun", w, w) for w in _proper_nouns(sentence, toks)),
    )
    result = _apply_rules(sentence, source_facts, ctx, frozenset())
    shorter: SentenceRewrite | None = None  # the rules in short mode, computed once
    if max(map(len, result.output)) > LONG_SENTENCE:
        ctx.short = True
        shorter = _apply_rules(sentence, source_facts, ctx, frozenset())
        if max(map(len, shorter.output)) < max(map(len, result.output)):
            result = shorter
        ctx.short = False
    # The guideline's own rules (plain polite forms, positive statements, plain dates and
    # times) are undone only in a sentence long enough for the score to mean something.
    undoable = UNDOABLE | GUIDELINE_RULES if len(toks) >= GUARD_MIN_WORDS else UNDOABLE
    if not undoable & set(result.rules):
        return _explained(result, ctx)  # nothing the guard could undo: no need to score
    ctx.counts[sentence] = source_counts = _counts(toks)
    before = readability(source_counts, 1)
    after = _score(result.output, ctx)
    if _harder_band(after, before):
        ctx.short = True
        if result is not shorter:
            result = shorter or _apply_rules(sentence, source_facts, ctx, frozenset())
            after = _score(result.output, ctx)
        disabled: frozenset[str] = frozenset()
        undone: list[Fallback] = []
        # Undo the rule whose removal helps most, until the sentence is back in its band.
        while _harder_band(after, before):
            trials = []
            for name in sorted(undoable & set(result.rules)):
                r = _apply_rules(sentence, source_facts, ctx, disabled | {name})
                if (score := _score(r.output, ctx)) > after:
                    trials.append((score, name, r))
            if not trials:
                break
            # On a tie, undo a paraphrase rather than one of the guideline's own rules.
            after, name, result = max(trials, key=lambda t: (t[0], t[1] in UNDOABLE))
            disabled |= {name}
            undone.append(Fallback(f"{name}:harder", ()))
        # Two rules can make the same change (a polite form and a paraphrase), so that
        # undoing either alone changes nothing: undo every rule the guard may undo, the
        # guideline's own rules last.
        for group in dict.fromkeys((UNDOABLE, undoable)):
            if not _harder_band(after, before):
                break
            r = _apply_rules(sentence, source_facts, ctx, group)
            if (score := _score(r.output, ctx)) > after:
                undone.extend(
                    Fallback(f"{n}:harder", ())
                    for n in sorted(set(result.rules) - set(r.rules) - disabled)
                )
                disabled |= group
                after, result = score, r
        ctx.short = False
        result = SentenceRewrite(
            result.source,
            result.output,
            result.rules,
            (*result.fallbacks, *undone),
            result.facts,
        )
    return _explained(result, ctx)


def _harder_band(after: float, before: float) -> bool:
    """Whether the score ``after`` lies in a harder jReadability band than ``before``."""
    return _BAND_FLOOR[band(after)] < _BAND_FLOOR[band(before)]


_BAND_FLOOR = {name: floor for floor, name in BANDS}


def _explained(result: SentenceRewrite, ctx: _Context) -> SentenceRewrite:
    for part in result.output:
        if "（" in part or "は、" in part:
            ctx.explained.update(m.group(1) for m in _explained_regex().finditer(part))
    return result


@cache
def _explained_regex() -> re.Pattern[str]:
    """A term followed by its explanation, in brackets or in a sentence of its own."""
    terms = sorted(_term_regex()[1], key=len, reverse=True)
    return re.compile(f"({'|'.join(map(re.escape, terms))})(?:（|は、)")


class RuleRewriter:
    """The default rewriter: the rules of this module, no network."""

    name = "rules"

    def check_config(self) -> list[str]:
        """Problems with the shipped data (empty when the rules can run)."""
        try:
            _data()
            honorific_rewrites()
            _verb_regex()
        except (OSError, KeyError, ValueError, re.error) as exc:
            return [f"rewrite data: {exc}"]
        return []

    def rewrite(self, text: str, *, today: date) -> RewriteResult:
        ctx = _Context(today)
        parts: list[str] = []
        done: list[SentenceRewrite] = []
        pos = 0
        for start, sentence in split_sentences(text):
            parts.append(text[pos:start])
            result = _rewrite_sentence(sentence, ctx)
            done.append(result)
            parts.append("".join(result.output))
            pos = start + len(sentence)
        parts.append(text[pos:])
        out = "".join(parts)
        if len(done) == 1 and done[0].source == text.strip():
            # One sentence: its facts are the text's, and _apply_rules checked its output.
            return RewriteResult(out, tuple(done), done[0].facts, (), self.name)
        # Patterns over the whole text (a URL's ? ends a "sentence"); nouns per sentence.
        nouns = dict.fromkeys(f for r in done for f in r.facts if f.kind == "proper_noun")
        all_facts = (*_pattern_facts(text, today.year), *nouns)
        return RewriteResult(
            out, tuple(done), all_facts, missing_facts(all_facts, out, today=today), self.name
        )


@runtime_checkable
class Rewriter(Protocol):
    """A way to produce easy Japanese; a city may register an LLM-based one."""

    name: str

    def check_config(self) -> list[str]: ...

    def rewrite(self, text: str, *, today: date) -> RewriteResult: ...


class RewriterRegistry:
    """Rewriters by name; ``default`` is used when none is asked for."""

    def __init__(self, default: str = "rules") -> None:
        self._rewriters: dict[str, Rewriter] = {}
        self.default = default

    def register(self, rewriter: Rewriter) -> None:
        if rewriter.name in self._rewriters:
            raise ValueError(f"rewriter {rewriter.name!r} is already registered")
        self._rewriters[rewriter.name] = rewriter

    def get(self, name: str | None = None) -> Rewriter:
        try:
            return self._rewriters[name or self.default]
        except KeyError:
            raise KeyError(f"no rewriter named {name or self.default!r}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._rewriters)

    def check_config(self) -> list[str]:
        return [p for r in self._rewriters.values() for p in r.check_config()]


registry = RewriterRegistry()
registry.register(RuleRewriter())


def rewrite(
    text: str,
    *,
    today: date | None = None,
    rewriter: str | None = None,
    rewriters: RewriterRegistry | None = None,
) -> RewriteResult:
    """``text`` in easy Japanese; every fact of ``text`` is still in the result.

    A rewriter other than the rules whose output loses a fact is replaced by the rules'
    output, with the fallback recorded. ``today`` fixes the reference year of dates.

    >>> rewrite("至急、避難してください。", today=date(2026, 11, 25)).text
    'すぐに、にげてください。'
    """
    today = today or _today()
    reg = rewriters or registry
    chosen = reg.get(rewriter)
    with token_memo():
        result = chosen.rewrite(text, today=today)
    if chosen.name == RuleRewriter.name:
        return result
    lost = result.missing or missing_facts(facts(text, today=today), result.text, today=today)
    if not lost:
        return result
    fallback = RuleRewriter().rewrite(text, today=today)
    first = fallback.sentences[0] if fallback.sentences else None
    note = Fallback(f"rewriter:{chosen.name}", lost)
    sentences = fallback.sentences
    if first is not None:
        sentences = (
            SentenceRewrite(
                first.source, first.output, first.rules, (note, *first.fallbacks), first.facts
            ),
            *fallback.sentences[1:],
        )
    return RewriteResult(
        fallback.text, sentences, fallback.facts, fallback.missing, RuleRewriter.name
    )
