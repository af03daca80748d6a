"""Free-text search over the procedure catalog, in Japanese (kana or kanji) and English.

Residents type what they heard: 「じどうてあて」, 「ジドウテアテ」, 「児童手当」, half-width
「ｼﾞﾄﾞｳ」 or "child allowance". Both the query and the index are normalised the same way
(NFKC, katakana to hiragana, lower case, no spaces or punctuation), and every Japanese
name is also indexed by its hiragana reading, so kana finds kanji and the other way round.

The index is built once per process, for the catalog object it was built from.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import jaconv
import pykakasi
import yaml

from tsunagu.procedures.loader import Catalog
from tsunagu.procedures.schema import Procedure

# Separators and punctuation that carry no meaning for matching (the long-vowel mark ー does).
_NOISE = re.compile(
    r"[\s\u3000・、。，．,.()（）「」『』【】〔〕［］\[\]{}/／:：;；!！?？'\"“”‘’〜~_-]+"
)

# Scores of one query term by where it matched; a procedure needs every term to match.
NAME_PREFIX = 30
NAME = 20
OTHER = 5
EXACT_NAME_BONUS = 50


def normalize(text: str) -> str:
    """The form both query and index are compared in.

    Example: ``normalize("ｼﾞﾄﾞｳ　テアテ") == "じどうてあて"``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _NOISE.sub("", jaconv.kata2hira(text).lower())
    # Removing a space can join a letter and a combining mark (NFKC splits 「´」 in two).
    return unicodedata.normalize("NFKC", text)


@functools.cache
def _reading_overrides() -> tuple[tuple[str, str], ...]:
    raw = yaml.safe_load(
        resources.files("tsunagu.portal").joinpath("data/readings.yaml").read_text("utf-8")
    )
    return tuple(sorted(raw.items(), key=lambda kv: -len(kv[0])))


_kakasi_lock = threading.Lock()


@functools.cache
def _kakasi() -> pykakasi.Kakasi:
    return pykakasi.Kakasi()  # type: ignore[no-untyped-call]  # pykakasi leaves __init__ unannotated


def reading(text: str) -> str:
    """The normalised hiragana reading of a Japanese text, with known misreadings fixed.

    Example: ``reading("要介護認定の申請") == "ようかいごにんていのしんせい"``.
    """
    text = unicodedata.normalize("NFKC", text)
    for word, kana in _reading_overrides():
        text = text.replace(word, kana)
    with _kakasi_lock:  # pykakasi does not promise thread safety (lazy dictionary loads)
        parts = _kakasi().convert(text)
    return normalize("".join(p["hira"] for p in parts))


def query_terms(query: str) -> list[str]:
    """The normalised words of a query (split on any kind of space).

    Example: ``query_terms(" 児童手当　ｹﾞﾝｷｮｳ ") == ["児童手当", "げんきょう"]``.
    """
    words = unicodedata.normalize("NFKC", query).split()
    return [t for t in (normalize(w) for w in words) if t]


@dataclass(frozen=True)
class _Entry:
    procedure: Procedure
    names: tuple[str, ...]
    others: tuple[str, ...]


def _entry(proc: Procedure) -> _Entry:
    names = proc.names
    name_texts = {
        normalize(names.ja),
        normalize(names.easy),
        normalize(names.en),
        reading(names.ja),
        reading(names.easy),
    }
    summary = proc.summary
    others = {normalize(t) for t in (summary.ja, summary.easy, summary.en, *proc.legal_basis)}
    return _Entry(proc, tuple(sorted(name_texts)), tuple(sorted(others)))


class SearchIndex:
    """Procedures indexed by their names (and readings), summary and legal basis."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._entries = [_entry(p) for p in procedures]

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str) -> list[Procedure]:
        """Procedures matching every word of ``query``, best first (name matches lead).

        An empty query matches nothing; ties keep the catalog order.
        Example: ``index.search("じどう")[0].code == "jidou-teate-nintei"``.
        """
        terms = query_terms(query)
        if not terms:
            return []
        alternatives = [_alternatives(t) for t in terms]
        whole = normalize(query)
        scored: list[tuple[int, int, Procedure]] = []
        for position, entry in enumerate(self._entries):
            total = 0
            for alts in alternatives:
                best = max(_score(entry, alt) for alt in alts)
                if best == 0:
                    break
                total += best
            else:
                if whole in entry.names:
                    total += EXACT_NAME_BONUS
                scored.append((-total, position, entry.procedure))
        scored.sort(key=lambda row: (row[0], row[1]))
        return [proc for _, _, proc in scored]


def _alternatives(term: str) -> tuple[str, ...]:
    # A kanji (or mixed) term is also tried by its reading: 「児童てあて」 → 「じどうてあて」.
    # One-kana readings such as 「し」 (市) would match almost everything, so they are not.
    kana = reading(term)
    return (term, kana) if kana != term and len(kana) >= 2 else (term,)


def _score(entry: _Entry, term: str) -> int:
    if any(name.startswith(term) for name in entry.names):
        return NAME_PREFIX
    if any(term in name for name in entry.names):
        return NAME
    if any(term in text for text in entry.others):
        return OTHER
    return 0


_index_lock = threading.Lock()
_built: tuple[Catalog, SearchIndex] | None = None


def index_for(catalog: Catalog) -> SearchIndex:
    """The search index of ``catalog``, built on first use and kept for the process."""
    global _built
    with _index_lock:
        if _built is None or _built[0] is not catalog:
            _built = (catalog, SearchIndex(catalog.ordered()))
        return _built[1]


def find_procedures(
    *,
    catalog: Catalog,
    query: str = "",
    category: str | None = None,
    event: str | None = None,
) -> list[Procedure]:
    """The catalog's procedures that match all given filters, best match first.

    Without a query the catalog order is kept. ``category`` and ``event`` are the enum
    values (``"kosodate"``, ``"birth"``).
    Example: ``find_procedures(catalog=c, query="ｼﾞﾄﾞｳ", category="kosodate")``.
    """
    procs: Sequence[Procedure] = (
        index_for(catalog).search(query) if query_terms(query) else catalog.ordered()
    )
    return [
        p
        for p in procs
        if (category is None or p.category.value == category)
        and (event is None or any(e.value == event for e in p.life_events))
    ]


def partial_matches(*, catalog: Catalog, query: str) -> list[str]:
    """Words of a query that find something on their own (for 「見つかりませんでした」).

    Example: for 「児童手当 ぺんぎん」 this is ``["児童手当"]``, in the query's own spelling.
    """
    words = unicodedata.normalize("NFKC", query).split()
    if len(words) < 2:
        return []
    index = index_for(catalog)
    return [w for w in words if index.search(w)]
