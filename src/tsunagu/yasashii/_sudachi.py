"""The SudachiPy dictionary, loaded once per process, and a tokenizer per thread.

Loading the core dictionary takes about a second, so it happens lazily on first use and
never again. SudachiPy's ``Tokenizer`` keeps mutable state, so each thread gets its own
(cheap) tokenizer over the shared dictionary.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import jaconv
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


@dataclass(frozen=True, slots=True)
class Token:
    """One morpheme: the slice of the input it covers and what the dictionary says."""

    surface: str
    start: int
    pos: tuple[str, ...]
    reading: str  # hiragana
    dictionary_form: str
    normalized_form: str


def dictionary() -> Dictionary:
    """The process-wide core dictionary (thread-safe lazy singleton)."""
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
    return _dictionary


def _tokenizer() -> Tokenizer:
    tok: Tokenizer | None = getattr(_local, "tokenizer", None)
    if tok is None:
        tok = dictionary().tokenizer(mode=SplitMode.C)
        _local.tokenizer = tok
    return tok


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


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into morphemes; their surfaces concatenate back to ``text``."""
    tok = _tokenizer()
    tokens: list[Token] = []
    for offset, chunk in _chunks(text):
        for m in tok.tokenize(chunk):
            surface = m.surface()
            if not surface:
                continue
            tokens.append(
                Token(
                    surface=surface,
                    start=offset + m.begin(),
                    pos=tuple(m.part_of_speech()),
                    reading=jaconv.kata2hira(m.reading_form()),
                    dictionary_form=m.dictionary_form(),
                    normalized_form=m.normalized_form(),
                )
            )
    return tokens


def raw_tokenize(text: str) -> int:
    """Tokenize with nothing on top and return the number of morphemes (the bench floor)."""
    tok = _tokenizer()
    return sum(len(tok.tokenize(chunk)) for _, chunk in _chunks(text))
