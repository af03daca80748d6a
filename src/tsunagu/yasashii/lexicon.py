"""Language data shipped with the engine, and tokenization with the city dictionary.

Every word list lives in ``data/*.yaml``; this module loads each file once.
"""

from __future__ import annotations

import os
import re
import re._constants as re_constants  # type: ignore[import-not-found]  # no stubs
import re._parser as re_parser  # type: ignore[import-not-found]  # no stubs
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tsunagu.yasashii._sudachi import Token, tokenize

CITY_POS = ("名詞", "固有名詞", "地名", "一般", "*", "*")
WORD_POS = ("名詞", "普通名詞", "一般", "*", "*", "*")


def load_data(name: str) -> Any:
    """Parse ``data/<name>`` shipped with the package."""
    text = resources.files("tsunagu.yasashii").joinpath("data", name).read_text("utf-8")
    return yaml.safe_load(text)


@cache
def required_literal(regex: re.Pattern[str]) -> str:
    """The longest run of plain characters every match of ``regex`` contains ("" if none
    is known), so that a pattern whose literal is not in a text is not run at all.

    >>> required_literal(re.compile("[ごお]([一-龥]{2})のうえ、?"))
    'のうえ'
    """
    try:
        items = re_parser.parse(regex.pattern, regex.flags).data
    except (re.error, AttributeError, TypeError, ValueError):  # a private API: never fail
        return ""
    if regex.flags & re.IGNORECASE:
        return ""
    best = run = ""
    for op, arg in items:
        if op is re_constants.LITERAL:
            run += chr(arg)
            best = max(best, run, key=len)
        elif op in (re_constants.ASSERT, re_constants.ASSERT_NOT, re_constants.AT):
            continue  # zero-width: the characters around it are still adjacent
        else:
            run = ""
    return best


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: re.Pattern[str]
    kind: str
    hint: str
    literal: str = ""  # required_literal(regex): skip the regex when it is not in a text


def _pattern(pattern: str, kind: str, hint: str) -> Pattern:
    regex = re.compile(pattern)
    return Pattern(regex, kind, hint, required_literal(regex))


@cache
def honorific_patterns() -> tuple[Pattern, ...]:
    return tuple(
        _pattern(e["pattern"], e["kind"], e["plain"]) for e in load_data("honorifics.yaml")
    )


@cache
def double_negative_patterns() -> tuple[Pattern, ...]:
    return tuple(
        _pattern(e["pattern"], "二重否定", e["positive"])
        for e in load_data("double_negatives.yaml")
    )


USER_DICT_ENV = "TSUNAGU_YASASHII_USER_DICT"
"""Environment variable naming a city's own dictionary file (read once, on first use)."""

_user_dict_path: Path | None = None


def _read_entries(data: Any, source: str) -> dict[str, str]:
    """Surface → reading from a parsed dictionary file: ``places``/``facilities``/``words``
    sections, each a mapping of name to hiragana reading."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a mapping with places/facilities sections")
    entries: dict[str, str] = {}
    for section in ("places", "facilities", "words"):
        items = data.get(section) or {}
        if not isinstance(items, dict):
            raise ValueError(f"{source}: {section} must map names to readings")
        for k, v in items.items():
            word, reading = str(k).strip(), str(v).strip()
            if not word or not reading or not _KANA_READING.fullmatch(reading):
                raise ValueError(f"{source}: {word!r} needs a reading in hiragana")
            entries[word] = reading
    return entries


_KANA_READING = re.compile(r"[ぁ-ゖー・ 　]+")


def use_user_dictionary(path: str | os.PathLike[str] | None) -> None:
    """Use a city's own dictionary file on top of the shipped one (``None``: go back to
    ``$TSUNAGU_YASASHII_USER_DICT`` or the shipped file alone).

    The file has the layout of ``data/city.yaml``; its entries add to or override the
    shipped ones, and ``replace_default: true`` drops the shipped entries. Analysis,
    rewriting and furigana all see the change at once.

    >>> use_user_dictionary(None)
    """
    global _user_dict_path
    _user_dict_path = Path(path) if path is not None else None
    city_dictionary.cache_clear()
    _city_regex.cache_clear()


def user_dictionary_path() -> Path | None:
    """The city file in use: the one given to ``use_user_dictionary``, else the variable."""
    if _user_dict_path is not None:
        return _user_dict_path
    env = os.environ.get(USER_DICT_ENV, "").strip()
    return Path(env) if env else None


@cache
def city_dictionary() -> dict[str, str]:
    """Surface → hiragana reading of the city's place and facility names.

    The shipped file (``data/city.yaml``, Hitachinaka) plus the city's own file if one is
    configured (``use_user_dictionary`` or ``$TSUNAGU_YASASHII_USER_DICT``).
    """
    entries = _read_entries(load_data("city.yaml"), "city.yaml")
    path = user_dictionary_path()
    if path is not None:
        data = yaml.safe_load(path.read_text("utf-8"))
        own = _read_entries(data, str(path))
        if isinstance(data, dict) and data.get("replace_default"):
            entries = {}
        entries.update(own)
    return entries


@cache
def word_readings() -> dict[str, str]:
    """Surface → reading of common words the core dictionary splits or reads wrongly
    (``data/words.yaml``), matched like the city dictionary but not proper nouns."""
    data = load_data("words.yaml") or {}
    return {str(k): str(v) for k, v in data.items()}


@cache
def _city_regex() -> re.Pattern[str] | None:
    words = sorted(city_dictionary().keys() | word_readings().keys(), key=len, reverse=True)
    # Alternatives are tried in order, so longest first gives the longest match.
    return re.compile("|".join(map(re.escape, words))) if words else None


def city_words(text: str) -> list[str]:
    """The city dictionary's words in ``text`` (longest match, in order of appearance).

    >>> city_words("勝田駅から那珂湊へ")
    ['勝田駅', '那珂湊']
    """
    regex = _city_regex()
    if regex is None:
        return []
    city = city_dictionary()
    return [w for w in regex.findall(text) if w in city]


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


NOT_IN_PRIMARY_SCHOOL = 7
"""The level of a kanji not in the school-grade table (taught after primary school)."""


@cache
def vocabulary_levels() -> dict[str, int]:
    """Word → level from ``data/vocabulary.yaml`` (the explicit corrections)."""
    return {str(k): int(v) for k, v in load_data("vocabulary.yaml")["levels"].items()}


@lru_cache(maxsize=65536)
def word_level(word: str) -> int:
    """The vocabulary level of ``word``: 1 (kana, first-grade kanji) … 7 (a kanji taught
    after primary school, or an official word the rewriter paraphrases).

    >>> word_level("学校"), word_level("説明"), word_level("提出"), word_level("ごみ")
    (1, 4, 7, 1)
    """
    explicit = vocabulary_levels().get(word)
    if explicit is not None:
        return explicit
    grades = kanji_grades()
    return max(
        (grades.get(c, NOT_IN_PRIMARY_SCHOOL) for c in word if _KANJI_CHAR.match(c)), default=1
    )


_KANJI_CHAR = re.compile("[一-龥㐀-䶵豈-﫿]")  # without 々, which repeats the kanji before it


def _apply_context(tokens: list[Token], text: str) -> list[Token]:
    rules = context_readings()
    out: list[Token] | None = None  # copied on the first change only
    for i, t in enumerate(tokens):
        candidates = rules.get(t.surface)
        if candidates is None:
            if out is not None:
                out.append(t)
            continue
        if out is None:
            out = tokens[:i]
        for rule in candidates:
            end = t.start + len(t.surface)
            if (
                (not rule.before and not rule.after)
                or any(text.startswith(b, end) for b in rule.before)
                or any(text.endswith(a, 0, t.start) for a in rule.after)
            ):
                t = t._replace(reading=rule.reading, word=-1)
                break
        out.append(t)
    return tokens if out is None else out


_memo: ContextVar[dict[str, list[Token]] | None] = ContextVar("yasashii_tokens", default=None)


@contextmanager
def token_memo() -> Iterator[None]:
    """Within the block, ``tokens()`` of the same text is computed once.

    ``rewrite`` tokenizes a sentence, its candidates and its outputs several times (the
    fact check, clause splitting, the readability guard); the memo lives for one call
    only, so it never grows with the traffic.
    """
    if _memo.get() is not None:
        yield
        return
    reset = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(reset)


def tokens(text: str) -> list[Token]:
    """Morphemes of ``text``: city dictionary words first (longest match), then SudachiPy.

    The list is shared inside a ``token_memo`` block: do not change it.

    >>> [t.reading for t in tokens("高野の海")]
    ['こうや', 'の', 'うみ']
    """
    memo = _memo.get()
    if memo is not None:
        found = memo.get(text)
        if found is None:
            found = memo[text] = _tokens(text)
        return found
    return _tokens(text)


def _tokens(text: str) -> list[Token]:
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
            city = city_dictionary().get(word)
            if city is not None:
                result.append(Token(word, m.start(), CITY_POS, city, word))
            else:
                result.append(Token(word, m.start(), WORD_POS, word_readings()[word], word))
            pos = m.end()
    plain(pos, len(text))
    return _apply_context(result, text)
