"""The SudachiPy dictionary, loaded once per process, and a tokenizer per thread.

Loading the core dictionary takes about a second, so it happens lazily on first use and
never again. SudachiPy's ``Tokenizer`` keeps mutable state, so each thread gets its own
(cheap) tokenizer over the shared dictionary.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

from sudachipy import (  # type: ignore[import-untyped]  # ships a .pyi but no py.typed
    Dictionary,
    SplitMode,
    Tokenizer,
)

# SudachiPy refuses inputs over about 49 KB of UTF-8; chunks stay far below that.
_CHUNK_CHARS = 4000

_lock = threading.Lock()
_dictionary: Dictionary | None = None
_local = threading.local()


_HIRAGANA = str.maketrans({chr(k): chr(k - 0x60) for k in range(ord("ァ"), ord("ヶ") + 1)})


class Token(NamedTuple):
    """One morpheme: the slice of the input it covers and what the dictionary says."""

    surface: str
    start: int
    pos: tuple[str, ...]
    reading: str  # hiragana
    dictionary_form: str
    # The dictionary word's id when everything above is what the dictionary says of it
    # (so facts about the word can be remembered by id), else -1.
    word: int = -1


def dictionary() -> Dictionary:
    """The process-wide core dictionary (thread-safe lazy singleton)."""
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
    return _dictionary


def _tokenizer(mode: str = "C") -> Tokenizer:
    """This thread's tokenizer in split mode ``mode`` (C: the longest units, A: the
    shortest, which the readability score counts)."""
    tok: Tokenizer | None = getattr(_local, mode, None)
    if tok is None:
        tok = dictionary().tokenizer(mode=getattr(SplitMode, mode))
        setattr(_local, mode, tok)
    return tok


def short_units(word: str) -> list[tuple[str, str, str, str, str]]:
    """``word`` (one mode-C morpheme) in SudachiPy's shortest units, the size of UniDic's
    short units: (surface, part of speech, its subdivision, hiragana reading, normalized
    form) each. The normalized form spells a word written in kana with its kanji
    (びょうき → 病気), which tells a 漢語 written in kana.

    The word is tokenized on its own, so a unit may come back with a part of speech that
    only fits out of context; callers check it against the mode-C morpheme.
    """
    units: list[tuple[str, str, str, str, str]] = []
    for m in _tokenizer("A").tokenize(word):
        pos = m.part_of_speech()
        units.append(
            (m.surface(), pos[0], pos[1], _to_hiragana(m.reading_form()), m.normalized_form())
        )
    return units


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    while start < len(text):
        end = min(start + _CHUNK_CHARS, len(text))
        if end < len(text):
            # Prefer to cut after a line break or sentence end inside the window.
            cut = max(text.rfind(c, start, end) for c in "\n。！？")
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


def tokenize(text: str, base: int = 0) -> list[Token]:
    """Split ``text`` into morphemes; their surfaces concatenate back to ``text``.

    ``base`` is added to every start offset (for a slice of a longer text).
    """
    tok = _tokenizer()
    tokens: list[Token] = []
    append = tokens.append
    new = tuple.__new__  # Token(...) without the NamedTuple constructor's overhead
    known = _by_word_id
    for offset, chunk in _chunks(text) if len(text) > _CHUNK_CHARS else ((0, text),):
        offset += base
        end = 0
        for m in tok.tokenize(chunk):
            # Morphemes cover the input end to end: each begins where the last ended.
            begin, end = end, m.end()
            surface = chunk[begin:end]  # cheaper than m.surface(), and the same
            if not surface:
                continue
            # What the dictionary says of a word depends on the word only: asked once.
            entry = known.get(m.word_id())
            if entry is None or entry[0] != surface:
                entry = _entry(m, surface)
            append(new(Token, (surface, offset + begin, entry[1], entry[2], entry[3], entry[4])))
    return tokens


_INFLECTING = frozenset({"動詞", "形容詞", "助動詞", "接尾辞"})
# Word id → (surface, part of speech, hiragana reading, dictionary form, word id) of
# dictionary words. One entry can match differently written input (full-width letters,
# long-vowel variants): such a surface is asked again, and its token's id is -1.
_by_word_id: dict[int, tuple[str, tuple[str, ...], str, str, int]] = {}
_WORD_ID_MAX = 200_000


def _entry(m: Any, surface: str) -> tuple[str, tuple[str, ...], str, str, int]:
    pos = m.part_of_speech()
    # A word in kana reads as written: no need to ask the dictionary.
    reading = _kana_reading.get(surface) if surface in _kana_reading else _kana_or_none(surface)
    if reading is None:
        katakana = m.reading_form()
        reading = _hiragana.get(katakana)
        if reading is None:
            reading = _to_hiragana(katakana)
    # Only inflecting words have a dictionary form other than the surface.
    lemma = m.dictionary_form() if pos[0] in _INFLECTING else surface
    word = m.word_id()
    if m.is_oov() or word in _by_word_id or len(_by_word_id) >= _WORD_ID_MAX:
        return (surface, pos, reading, lemma, -1)
    entry = _by_word_id[word] = (surface, pos, reading, lemma, word)
    return entry


_KANA_WORD = re.compile("[ぁ-ゖァ-ヺー]+")
# Surface → its reading if written in kana only, else None (remembered either way).
_kana_reading: dict[str, str | None] = {}


def _kana_or_none(surface: str) -> str | None:
    reading = surface.translate(_HIRAGANA) if _KANA_WORD.fullmatch(surface) else None
    if len(_kana_reading) < _HIRAGANA_MAX:
        _kana_reading[surface] = reading
    return reading


# Katakana reading → hiragana, remembered: the vocabulary of a city's texts is small.
_hiragana: dict[str, str] = {}
_HIRAGANA_MAX = 200_000


def _to_hiragana(katakana: str) -> str:
    reading = katakana.translate(_HIRAGANA)
    if len(_hiragana) < _HIRAGANA_MAX:
        _hiragana[katakana] = reading
    return reading


def raw_tokenize(text: str) -> int:
    """Tokenize with nothing on top and return the number of morphemes (the bench floor)."""
    tok = _tokenizer()
    return sum(len(tok.tokenize(chunk)) for _, chunk in _chunks(text))
