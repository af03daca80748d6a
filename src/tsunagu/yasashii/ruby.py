"""Furigana as HTML ``<ruby>`` over the kanji of Japanese text.

Readings come from SudachiPy in context (行って is おこなって after 会議を, いって after
学校へ), from the city dictionary first (place and facility names, longest match), and
from context overrides shipped as data (額に汗 → ひたい). Okurigana stay outside the ruby:
only the kanji part of 行って carries a reading. All text is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from functools import cache, lru_cache

from tsunagu.yasashii._sudachi import Token
from tsunagu.yasashii.lexicon import kanji_grades, load_data, tokens

_KANJI_CHARS = "一-龥々〆ヶ㐀-䶵豈-﫿"
_HAS_KANJI = re.compile(f"[{_KANJI_CHARS}]")
# A surface is kanji runs and kana runs; anything else (digits, Latin) is left as is.
_PART = re.compile(f"([{_KANJI_CHARS}]+)|([ぁ-ゖァ-ヺー]+)|(.+?)", re.S)
_MAX_GRADE_SHIPPED = 6  # the highest grade in data/kanji_grades.yaml (教育漢字)


def _kana(s: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in s)


def _rb(base: str, reading: str) -> str:
    return f"<ruby>{html.escape(base)}<rt>{html.escape(reading)}</rt></ruby>"


@lru_cache(maxsize=8192)
def _annotate(surface: str, reading: str) -> str:
    """Ruby for one word, with okurigana outside: ("行って", "おこなって") → 行<rt>おこな</rt>って."""
    if not reading or _HAS_KANJI.search(reading) or reading == surface:
        return html.escape(surface)
    parts = [(m.group(1), m.group(2), m.group(3)) for m in _PART.finditer(surface)]
    if any(other is not None for _, _, other in parts):
        return _rb(surface, reading)
    pattern = "".join(
        "(.+?)" if kanji is not None else re.escape(_kana(kana or "")) for kanji, kana, _ in parts
    )
    m = re.fullmatch(pattern, _kana(reading), re.S)
    if m is None:
        return _rb(surface, reading)
    out: list[str] = []
    groups = iter(m.groups())
    for kanji, kana, _ in parts:
        out.append(_rb(kanji, next(groups)) if kanji is not None else html.escape(kana or ""))
    return "".join(out)


_DIGITS = re.compile(r"[0-9０-９]{1,2}")
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


@cache
def _day_readings() -> dict[str, str]:
    return {str(k): str(v) for k, v in load_data("counters.yaml")["days"].items()}


def _day(text: str, number: Token, counter: Token | None) -> tuple[str, str] | None:
    """(3日, みっか) when ``number`` is a day count or date in digits followed by 日 or 日間."""
    if (
        counter is None
        or counter.surface not in ("日", "日間")
        or counter.start != number.start + len(number.surface)
        or not _DIGITS.fullmatch(number.surface)
        or text[number.start - 1 : number.start].isdigit()
    ):
        return None
    n = str(int(number.surface.translate(_TO_ASCII)))
    readings = _day_readings()
    if n not in readings:
        return None
    in_date = counter.surface == "日" and text.endswith("月", 0, number.start)
    reading = readings["1" if n == "1" and in_date else "1_count"] if n == "1" else readings[n]
    if counter.surface == "日間":
        reading += "かん"
    return number.surface + counter.surface, reading


def _needs_ruby(surface: str, min_grade: int | None) -> bool:
    if not _HAS_KANJI.search(surface):
        return False
    if min_grade is None:
        return True
    grades = kanji_grades()
    # A kanji outside the grade table (taught later, or not 教育漢字) always gets ruby.
    return any(grades.get(c, 99) >= min_grade for c in surface if _HAS_KANJI.match(c))


def ruby(text: str, *, min_grade: int | None = None) -> str:
    """HTML of ``text`` with furigana over kanji words, everything else escaped.

    With ``min_grade``, words whose kanji are all taught before that school grade stay
    without furigana (grades 1 to 6 are shipped, so ``min_grade`` may be 1 to 7; 7 means
    only kanji taught after primary school get furigana).

    >>> ruby("会議を行って")
    '<ruby>会議<rt>かいぎ</rt></ruby>を<ruby>行<rt>おこな</rt></ruby>って'
    """
    if min_grade is not None and not 1 <= min_grade <= _MAX_GRADE_SHIPPED + 1:
        raise ValueError(f"min_grade must be between 1 and {_MAX_GRADE_SHIPPED + 1}")
    out: list[str] = []
    pos = 0
    toks = tokens(text)
    for i, t in enumerate(toks):
        if t.start < pos:
            continue  # already written with the number before it (3日)
        if t.start > pos:  # characters the tokenizer skipped (never expected, kept anyway)
            out.append(html.escape(text[pos : t.start]))
        surface = text[t.start : t.start + len(t.surface)]
        day = _day(text, t, toks[i + 1] if i + 1 < len(toks) else None)
        if day is not None:
            base, reading = day
            out.append(_rb(base, reading) if _needs_ruby(base, min_grade) else html.escape(base))
            pos = t.start + len(base)
            continue
        if _needs_ruby(surface, min_grade):
            out.append(_annotate(surface, t.reading))
        else:
            out.append(html.escape(surface))
        pos = t.start + len(surface)
    out.append(html.escape(text[pos:]))
    return "".join(out)
