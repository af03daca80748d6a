"""Normalisers for Japanese input: width, kana, separators and 和暦 (wareki) dates.

Pure functions without Django, shared by the field types (``fieldtypes.py``) and by any
code that reads Japanese text (CSV imports, OCR results). Every normaliser is idempotent:
``f(f(x)) == f(x)``. Parsers raise ``ValueError`` subclasses that carry a ``code`` (and
parameters) instead of a message, so the caller words the message in the reader's language.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import jaconv

# ---------------------------------------------------------------- characters

# Characters that are never accepted: NUL, lone surrogates, Unicode bidi overrides and
# isolates (they can make text display in a different order from what is stored), and
# the non-characters U+FFFE / U+FFFF.
_UNSAFE = re.compile("[\x00\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")

# Dash-like characters residents type for a hyphen or a long vowel: ASCII hyphen-minus,
# the Unicode hyphens and dashes, minus, box-drawing line, katakana prolonged sound mark
# (typed by the IME in digits: 312ー8501), and the wave dashes.
HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u30fc\uff0d\uff70\ufe63"
_HYPHEN_RUN = re.compile(f"[{HYPHENS}]")
_SPACE_RUN = re.compile(r"\s+")
_HALFWIDTH_KANA_RUN = re.compile("[\uff61-\uff9f]+")


def has_unsafe_chars(text: str) -> bool:
    """True if ``text`` holds NUL, a lone surrogate, a bidi override or a non-character.

    Example: ``has_unsafe_chars("abc\\u202e") is True``.
    """
    return _UNSAFE.search(text) is not None


def nfkc(text: str) -> str:
    """NFKC normalisation: full-width ASCII to half-width, half-width kana to full-width.

    Example: ``nfkc("ＡＢＣ１２３ｶﾞ") == "ABC123ガ"``.
    """
    return unicodedata.normalize("NFKC", text)


def collapse_spaces(text: str, space: str = " ") -> str:
    """Trim, and turn every run of white space (incl. U+3000) into one ``space``.

    Example: ``collapse_spaces("  山田　　太郎 ") == "山田 太郎"``.
    """
    return _SPACE_RUN.sub(space, text).strip()


def halfwidth_kana_to_fullwidth(text: str) -> str:
    """Only the half-width katakana of ``text`` made full-width (the rest is kept as typed).

    Example: ``halfwidth_kana_to_fullwidth("ｶﾞｽ代 ＡＢ") == "ガス代 ＡＢ"``.
    """
    return _HALFWIDTH_KANA_RUN.sub(lambda m: nfkc(m.group(0)), text)


def strip_separators(text: str) -> str:
    """NFKC, then remove spaces, hyphens/dashes, dots and parentheses: digits stay.

    Used for codes typed in groups (郵便番号, 個人番号, 口座番号).
    Example: ``strip_separators("３１２－８５０１") == "3128501"``.
    """
    s = nfkc(text)
    s = _HYPHEN_RUN.sub("", s)
    # Normalised again: a removed separator may have split a base letter from its mark.
    return nfkc(re.sub(r"[\s.()]", "", s))


# ---------------------------------------------------------------- katakana

_KANA_PRECEDING = "\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff"
# A dash or a wave dash right after kana is a long vowel typed on the wrong key (ジョ-ジ).
_KANA_LONG_VOWEL = re.compile(f"(?<=[{_KANA_PRECEDING}])[{HYPHENS}~\u301c]+")
# Middle-dot look-alikes used between the parts of foreign names.
_MIDDLE_DOTS = re.compile("[\u00b7\u2022\u2027\u2219\u22c5]")
_KATAKANA_ONLY = re.compile("^[\u30a1-\u30fa\u30fc-\u30fe\u31f0-\u31ff・＝ \u3000]*$")


def to_katakana(text: str) -> str:
    """Full-width katakana: half-width kana widened, hiragana converted, spaces collapsed.

    Dashes after kana become ー, middle-dot look-alikes become ・, ``=`` becomes ＝ and
    white space becomes one full-width space. Other characters are kept (check them with
    ``is_katakana``).
    Example: ``to_katakana("やまだ ﾀﾛｳ") == "ヤマダ\\u3000タロウ"``.
    """
    s = nfkc(text)
    s = _MIDDLE_DOTS.sub("・", s).replace("=", "＝")
    s = jaconv.hira2kata(s)
    s = _KANA_LONG_VOWEL.sub(lambda m: "ー" * len(m.group(0)), s)
    # NFC (not NFKC, which would undo the full-width space and ＝) rejoins marks to their
    # letters when a replacement made them adjacent.
    return unicodedata.normalize("NFC", collapse_spaces(s, "\u3000"))


def is_katakana(text: str) -> bool:
    """True if ``text`` is only full-width katakana, ー, ・, ＝ and spaces.

    Example: ``is_katakana("ヤマダ\\u3000タロウ") is True``; ``is_katakana("山田") is False``.
    """
    return _KATAKANA_ONLY.match(text) is not None


# ---------------------------------------------------------------- numbers

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}  # fmt: skip
_KANJI_NUMBER = re.compile(
    "^(?:[〇零一二三四五六七八九]+|[一二三四五六七八九]?十[一二三四五六七八九]?)$"
)


def kanji_to_int(text: str) -> int | None:
    """A small number in ASCII digits or kanji numerals (一, 十二, 三十一, 二〇二三), or None.

    Example: ``kanji_to_int("三十一") == 31``; ``kanji_to_int("二〇二三") == 2023``.
    """
    if re.fullmatch(r"[0-9]{1,9}", text):
        return int(text)
    if not _KANJI_NUMBER.match(text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _KANJI_DIGITS.get(tens, 1) * 10 + _KANJI_DIGITS.get(ones, 0)
    return int("".join(str(_KANJI_DIGITS[c]) for c in text))


# ---------------------------------------------------------------- wareki


@dataclass(frozen=True)
class Era:
    """A Japanese era (元号) with its first and last day in the Gregorian calendar."""

    name: str  # 令和
    letter: str  # R
    romaji: str  # Reiwa
    start: date
    end: date | None  # None: the current era

    def year_of(self, d: date) -> int:
        return d.year - self.start.year + 1

    def to_gregorian_year(self, era_year: int) -> int:
        return self.start.year + era_year - 1


# 明治 and 大正 ended on the day the emperor died, and the new era began that same day
# (1912-07-30, 1926-12-25): documents name that day in either era, so both are accepted.
# 平成 and 令和 changed at midnight, so 平成31年5月1日 and 令和元年4月30日 do not exist.
# 明治 dates before 1873 are in the old lunisolar calendar and are out of range anyway.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", "Meiji", date(1868, 1, 25), date(1912, 7, 30)),
    Era("大正", "T", "Taisho", date(1912, 7, 30), date(1926, 12, 25)),
    Era("昭和", "S", "Showa", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", "Heisei", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", "Reiwa", date(2019, 5, 1), None),
)
# Dates outside this range are refused: before it the calendar was lunisolar, after it a
# typing error is far more likely than a real date.
MIN_DATE = date(1873, 1, 1)
MAX_DATE = date(2100, 12, 31)

_ERA_BY_KEY = {k: e for e in ERAS for k in (e.name, e.name[0], e.letter.lower())}


class DateInputError(ValueError):
    """Input that is not a valid date. ``code`` says why:

    ``format`` (not a date notation), ``month`` (month not 1-12), ``day`` (no such day in
    ``year``/``month``), ``era_year`` (era year 0), ``era_before`` / ``era_after`` (outside
    ``era``; ``other`` is the era to use instead), ``range`` (outside MIN_DATE..MAX_DATE).
    """

    def __init__(
        self,
        code: str,
        *,
        era: Era | None = None,
        other: Era | None = None,
        year: int = 0,
        month: int = 0,
        day: int = 0,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.era = era
        self.other = other
        self.year = year
        self.month = month
        self.day = day


def era_of(d: date) -> Era:
    """The era a date is written in (the later one on the two shared days).

    Example: ``era_of(date(2019, 5, 1)).name == "令和"``.
    """
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    return ERAS[0]


def _era_year_text(era: Era, d: date) -> str:
    y = era.year_of(d)
    return "元" if y == 1 else str(y)


def to_wareki(d: date, era: Era | None = None) -> str:
    """The date in 和暦, with 元年 for the first year (in ``era`` if given).

    Example: ``to_wareki(date(2019, 5, 1)) == "令和元年5月1日"``.
    """
    era = era or era_of(d)
    return f"{era.name}{_era_year_text(era, d)}年{d.month}月{d.day}日"


def to_wareki_year_month(year: int, month: int) -> str:
    """A year and month in 和暦, named by the era of the month's first day.

    Example: ``to_wareki_year_month(2019, 4) == "平成31年4月"``.
    """
    first = date(year, month, 1)
    era = era_of(first)
    return f"{era.name}{_era_year_text(era, first)}年{month}月"


_WEEKDAY_SUFFIX = re.compile(r"\((?:[日月火水木金土](?:曜日?)?)\)$")
_ERA_PREFIX = re.compile("^(明治|大正|昭和|平成|令和|[明大昭平令mtshr])")
_NUM = "([0-9]{1,4}|[〇零一二三四五六七八九十]{1,4})"
_ERA_YEAR = "([0-9]{1,4}|[〇零一二三四五六七八九十]{1,4}|元)"  # 元年: the first year
_SEP = "[年./-]"
_ERA_DATE = re.compile(f"^{_ERA_YEAR}{_SEP}{_NUM}[月./-]{_NUM}日?$")
_ERA_YM = re.compile(f"^{_ERA_YEAR}{_SEP}{_NUM}月?$")
_WESTERN_DATE = re.compile(f"^([0-9]{{4}}){_SEP}{_NUM}[月./-]{_NUM}日?$")
_WESTERN_YM = re.compile(f"^([0-9]{{4}}){_SEP}{_NUM}月?$")


def _clean_date_text(text: str) -> str:
    s = nfkc(text).strip()
    s = _HYPHEN_RUN.sub("-", s)
    s = re.sub(r"\s+", "", s).lower()
    s = _WEEKDAY_SUFFIX.sub("", s)
    return s.removeprefix("西暦")


def _number(text: str) -> int:
    if text == "元":
        return 1
    n = kanji_to_int(text)
    if n is None:
        raise DateInputError("format")
    return n


def _split_era(s: str) -> tuple[Era | None, str]:
    m = _ERA_PREFIX.match(s)
    if not m:
        return None, s
    return _ERA_BY_KEY[m.group(1)], s[m.end() :]


def _check_era_span(era: Era, first: date, last: date) -> None:
    """Raise unless some day of first..last lies inside the era."""
    if era.end is not None and first > era.end:
        nxt = ERAS[ERAS.index(era) + 1]
        raise DateInputError("era_after", era=era, other=nxt)
    if last < era.start and era is not ERAS[0]:
        prev = ERAS[ERAS.index(era) - 1]
        raise DateInputError("era_before", era=era, other=prev)


def _check_range(first: date, last: date) -> None:
    if last < MIN_DATE or first > MAX_DATE:
        raise DateInputError("range")


def _make_date(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise DateInputError("month")
    if not 1 <= year <= 9999:
        raise DateInputError("range")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise DateInputError("day", year=year, month=month, day=day)
    return date(year, month, day)


def parse_date(text: str) -> date:
    """A date typed in any common Japanese notation.

    Accepts 2023-04-01, 2023/4/1, 2023.4.1, 2023年4月1日, 20230401, 令和5年4月1日,
    令和元年5月1日, R5.4.1, r05/04/01, H310430, ㍻31年4月30日, 令和五年四月一日, full-width
    digits and separators, a trailing weekday such as （土）. Era boundaries are checked.
    Raises ``DateInputError``.
    Example: ``parse_date("H31.4.30") == date(2019, 4, 30)``.
    """
    s = _clean_date_text(text)
    era, rest = _split_era(s)
    if era is not None:
        m = _ERA_DATE.match(rest)
        if m:
            ey, month, day = (_number(g) for g in m.groups())
        elif re.fullmatch(r"[0-9]{6}", rest):
            ey, month, day = int(rest[:2]), int(rest[2:4]), int(rest[4:])
        else:
            raise DateInputError("format")
        if ey == 0:
            raise DateInputError("era_year")
        if ey > 200:
            raise DateInputError("format")
        d = _make_date(era.to_gregorian_year(ey), month, day)
        _check_era_span(era, d, d)
    else:
        m = _WESTERN_DATE.match(s)
        if m:
            year, month, day = int(m.group(1)), _number(m.group(2)), _number(m.group(3))
        elif re.fullmatch(r"[0-9]{8}", s):
            year, month, day = int(s[:4]), int(s[4:6]), int(s[6:])
        else:
            raise DateInputError("format")
        d = _make_date(year, month, day)
    _check_range(d, d)
    return d


def parse_year_month(text: str) -> tuple[int, int]:
    """A year and month: 2023-04, 2023/4, 202304, 2023年4月, 令和5年4月, R5.4, R0504.

    Raises ``DateInputError`` (an era month with no day inside the era is ``era_*``).
    Example: ``parse_year_month("令和元年5月") == (2019, 5)``.
    """
    s = _clean_date_text(text)
    era, rest = _split_era(s)
    if era is not None:
        m = _ERA_YM.match(rest)
        if m:
            ey, month = _number(m.group(1)), _number(m.group(2))
        elif re.fullmatch(r"[0-9]{4}", rest):
            ey, month = int(rest[:2]), int(rest[2:])
        else:
            raise DateInputError("format")
        if ey == 0:
            raise DateInputError("era_year")
        if ey > 200:
            raise DateInputError("format")
        year = era.to_gregorian_year(ey)
    else:
        m = _WESTERN_YM.match(s)
        if m:
            year, month = int(m.group(1)), _number(m.group(2))
        elif re.fullmatch(r"[0-9]{6}", s):
            year, month = int(s[:4]), int(s[4:])
        else:
            raise DateInputError("format")
    first = _make_date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    if era is not None:
        _check_era_span(era, first, last)
    _check_range(first, last)
    return year, month
