from __future__ import annotations

import datetime as dt
import doctest

import pytest

from tsunagu.audit import chain
from tsunagu.audit.chain import clean_text, format_time


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(chain)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(2026, 4, 1, tzinfo=dt.UTC), "2026-04-01T00:00:00.000000+00:00"),
        (
            dt.datetime(2026, 4, 1, 9, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=9))),
            "2026-04-01T00:00:00.000005+00:00",
        ),
        (
            dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
            "2026-12-31T23:59:59.999999+00:00",
        ),
    ],
)
def test_times_are_written_in_utc_with_microseconds(value: dt.datetime, text: str) -> None:
    assert format_time(value) == text


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_time(dt.datetime(2026, 4, 1))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("value", "max_length", "cleaned"),
    [
        ("ひたちなか市", None, "ひたちなか市"),
        ("a\x00b", None, "a\ufffdb"),
        ("\ud800x", None, "?x"),
        ("𠮷野家", 2, "𠮷野"),
        ("", 5, ""),
    ],
)
def test_clean_text(value: str, max_length: int | None, cleaned: str) -> None:
    assert clean_text(value, max_length) == cleaned
