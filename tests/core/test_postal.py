"""Postal codes and the offline address lookup."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.core import postal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3128501", "3128501"),
        ("312-8501", "3128501"),
        ("〒312-8501", "3128501"),
        ("〒 312-8501", "3128501"),
        ("３１２－８５０１", "3128501"),
        ("３１２ー８５０１", "3128501"),
        ("312 8501", "3128501"),
        ("31285", None),
        ("31285011", None),
        ("312-850a", None),
        ("", None),
    ],
)
def test_normalise_postal_code(text: str, expected: str | None) -> None:
    assert postal.normalise_postal_code(text) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3128501", [("茨城県", "ひたちなか市", "東石川")]),  # 事業所: ひたちなか市役所
        ("312-0052", [("茨城県", "ひたちなか市", "東石川")]),
        ("1000001", [("東京都", "千代田区", "千代田")]),
        ("0600000", [("北海道", "札幌市中央区", "")]),  # 以下に掲載がない場合
        ("9071801", [("沖縄県", "八重山郡与那国町", "与那国")]),
        ("0000000", []),
        ("9999999", []),
        ("abc", []),
        ("", []),
    ],
)
def test_lookup(code: str, expected: list[tuple[str, str, str]]) -> None:
    assert postal.lookup(code) == expected


def test_lookup_with_several_towns() -> None:
    places = postal.lookup("4520961")
    assert len(places) > 10
    assert {(p, c) for p, c, _ in places} == {("愛知県", "清須市")}
    assert ("愛知県", "清須市", "春日明河原") in places
    assert len(set(places)) == len(places)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3128501", "茨城県ひたちなか市東石川"),
        ("〒312-0052", "茨城県ひたちなか市東石川"),
        ("4520961", "愛知県清須市"),  # several towns: the town is left to the resident
        ("0600000", "北海道札幌市中央区"),
        ("0000000", ""),
        ("nonsense", ""),
    ],
)
def test_address_lookup(code: str, expected: str) -> None:
    assert postal.address_lookup(code) == expected


@pytest.mark.parametrize(("prefix", "exists"), [("312", True), ("100", True), ("000", False),
                                                 ("12", False), ("abc", False)])  # fmt: skip
def test_area_exists(prefix: str, exists: bool) -> None:
    assert postal.area_exists(prefix) is exists


def test_prefectures() -> None:
    names = postal.prefectures()
    assert len(names) == 47
    assert {"北海道", "東京都", "大阪府", "茨城県", "沖縄県"} <= names


def test_lookup_never_uses_the_network(monkeypatch: Any) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    postal._lookup.cache_clear()
    assert postal.lookup("3128501") == [("茨城県", "ひたちなか市", "東石川")]
    assert postal.lookup("1234567") == postal.lookup("123-4567")


def test_lookup_is_cached() -> None:
    postal._lookup.cache_clear()
    postal.lookup("3128501")
    postal.lookup("312-8501")
    info = postal._lookup.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_lookup_works_from_other_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    postal._lookup.cache_clear()
    codes = ["3128501", "1000001", "0600000", "4520961"] * 5
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(postal.lookup, codes))
    assert all(results)


def test_lookup_returns_a_fresh_list() -> None:
    first = postal.lookup("3128501")
    first.clear()
    assert postal.lookup("3128501")


@given(st.text(max_size=20))
@settings(max_examples=200, deadline=None)
def test_lookup_never_raises(text: str) -> None:
    result = postal.lookup(text)
    assert isinstance(result, list)
    if not result:
        assert postal.address_lookup(text) == ""


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
@settings(max_examples=200, deadline=None)
def test_normalised_code_formats_and_parses_back(code: str) -> None:
    assert postal.normalise_postal_code(postal.format_postal_code(code)) == code
    assert postal.normalise_postal_code("〒" + postal.format_postal_code(code)) == code
