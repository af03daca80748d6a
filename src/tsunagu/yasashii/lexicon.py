"""Language data shipped with the engine, and tokenization with the city dictionary.

Every word list lives in ``data/*.yaml``; this module loads each file once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tsunagu.yasashii._sudachi import Token, tokenize

CITY_POS = ("名詞", "固有名詞", "地名", "一般", "*", "*")


def load_data(name: str) -> Any:
    """Parse ``data/<name>`` shipped with the package."""
    text = resources.files("tsunagu.yasashii").joinpath("data", name).read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: re.Pattern[str]
    kind: str
    hint: str


@cache
def honorific_patterns() -> tuple[Pattern, ...]:
    return tuple(
        Pattern(re.compile(e["pattern"]), e["kind"], e["plain"])
        for e in load_data("honorifics.yaml")
    )


@cache
def double_negative_patterns() -> tuple[Pattern, ...]:
    return tuple(
        Pattern(re.compile(e["pattern"]), "二重否定", e["positive"])
        for e in load_data("double_negatives.yaml")
    )


@cache
def city_dictionary() -> dict[str, str]:
    """Surface → hiragana reading of the city's place and facility names."""
    data = load_data("city.yaml")
    entries: dict[str, str] = {}
    for section in ("places", "facilities"):
        entries.update({str(k): str(v) for k, v in (data.get(section) or {}).items()})
    return entries


@cache
def _city_regex() -> re.Pattern[str] | None:
    words = sorted(city_dictionary(), key=len, reverse=True)
    # Alternatives are tried in order, so longest first gives the longest match.
    return re.compile("|".join(map(re.escape, words))) if words else None


@dataclass(frozen=True, slots=True)
class ContextReading:
    surface: str
    reading: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@cache
def context_readings() -> dict[str, tuple[ContextReading, ...]]:
    table: dict[str, list[ContextReading]] = {}
    for e in load_data("context_readings.yaml"):
        rule = ContextReading(
            e["surface"], e["reading"], tuple(e.get("before", ())), tuple(e.get("after", ()))
        )
        table.setdefault(rule.surface, []).append(rule)
    return {k: tuple(v) for k, v in table.items()}


@cache
def kanji_grades() -> dict[str, int]:
    """Kanji → school grade in which it is taught (grades shipped so far)."""
    return {
        ch: int(grade) for grade, chars in load_data("kanji_grades.yaml").items() for ch in chars
    }


def _apply_context(tokens: list[Token], text: str) -> list[Token]:
    rules = context_readings()
    out: list[Token] = []
    for t in tokens:
        for rule in rules.get(t.surface, ()) if t.surface in rules else ():
            end = t.start + len(t.surface)
            if any(text.startswith(b, end) for b in rule.before) or any(
                text.endswith(a, 0, t.start) for a in rule.after
            ):
                t = t._replace(reading=rule.reading)
                break
        out.append(t)
    return out


def tokens(text: str) -> list[Token]:
    """Morphemes of ``text``: city dictionary words first (longest match), then SudachiPy.

    >>> [t.reading for t in tokens("高野の海")]
    ['こうや', 'の', 'うみ']
    """
    regex = _city_regex()
    result: list[Token] = []
    pos = 0

    def plain(segment_start: int, segment_end: int) -> None:
        if segment_end > segment_start:
            result.extend(tokenize(text[segment_start:segment_end], segment_start))

    if regex is not None:
        for m in regex.finditer(text):
            plain(pos, m.start())
            word = m.group()
            reading = city_dictionary()[word]
            result.append(Token(word, m.start(), CITY_POS, reading, word))
            pos = m.end()
    plain(pos, len(text))
    return _apply_context(result, text)
