from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.casework.workdays import (
    add_working_days,
    due_date,
    is_working_day,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 11, 25), True),  # an ordinary Wednesday
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 4, 29), False),  # 昭和の日
        (D(2026, 5, 6), False),  # 振替休日 (5/3 was a Sunday)
        (D(2024, 2, 12), False),  # 振替休日 (建国記念の日 on a Sunday)
        (D(2025, 11, 24), False),  # 振替休日 (勤労感謝の日 on a Sunday)
        (D(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
        (D(2026, 12, 28), True),  # the last day before the year-end closure
        (D(2026, 12, 29), False),  # 年末年始, a Tuesday
        (D(2026, 12, 30), False),
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),  # 元日
        (D(2025, 1, 2), False),  # 年末年始, a Thursday
        (D(2025, 1, 3), False),  # 年末年始, a Friday
        (D(2027, 1, 4), True),  # 仕事始め
        (D(2024, 2, 29), True),  # leap day, a Thursday
    ],
)
def test_is_working_day(day: dt.date, expected: bool) -> None:
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 11, 24), 1, D(2026, 11, 25)),
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # over a weekend
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # received on a Saturday
        (D(2026, 11, 24), 0, D(2026, 11, 24)),
        # Golden Week 2026: 4/29 昭和の日, 5/3–5/5, 5/6 振替休日.
        (D(2026, 4, 28), 1, D(2026, 4, 30)),
        (D(2026, 4, 30), 1, D(2026, 5, 1)),
        (D(2026, 5, 1), 1, D(2026, 5, 7)),
        (D(2026, 4, 27), 10, D(2026, 5, 15)),
        # Golden Week 2025: 5/3 Saturday, 5/4 Sunday, 5/5, 5/6 振替休日 (for 5/4).
        (D(2025, 5, 2), 1, D(2025, 5, 7)),
        # New Year: 12/29–1/3 closed.
        (D(2026, 12, 28), 1, D(2027, 1, 4)),
        (D(2025, 12, 26), 1, D(2026, 1, 5)),  # 1/4/2026 is a Sunday
        (D(2026, 12, 25), 3, D(2027, 1, 5)),
        # 振替休日.
        (D(2024, 2, 9), 1, D(2024, 2, 13)),  # 2/11 Sunday → 2/12 振替休日
        (D(2024, 11, 1), 1, D(2024, 11, 5)),  # 11/3 Sunday → 11/4 振替休日
        # 国民の休日 2026: 9/21 敬老の日, 9/22, 9/23 秋分の日.
        (D(2026, 9, 18), 1, D(2026, 9, 24)),
        # Leap years.
        (D(2024, 2, 28), 1, D(2024, 2, 29)),
        (D(2024, 2, 28), 2, D(2024, 3, 1)),
        (D(2023, 2, 28), 1, D(2023, 3, 1)),
        (D(2028, 2, 28), 1, D(2028, 2, 29)),
        # A long 標準処理期間 over the new year.
        (D(2026, 12, 1), 30, D(2027, 1, 19)),
    ],
)
def test_add_working_days(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "paused", "expected"),
    [
        (D(2026, 11, 24), 10, 0, D(2026, 12, 8)),
        # The clock stood still for 2 working days: the deadline moves by 2 working days.
        (D(2026, 11, 24), 10, 2, D(2026, 12, 10)),
        (D(2026, 4, 30), 1, 2, D(2026, 5, 8)),
        # A pause that pushes the deadline into the year-end closure jumps over it.
        (D(2026, 12, 14), 10, 1, D(2027, 1, 4)),
    ],
)
def test_due_date(start: dt.date, days: int, paused: int, expected: dt.date) -> None:
    assert due_date(start, days, paused) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 11, 24), D(2026, 11, 24), 0),
        (D(2026, 11, 24), D(2026, 11, 23), 0),
        (D(2026, 11, 24), D(2026, 11, 26), 2),
        (D(2026, 5, 1), D(2026, 5, 8), 2),  # only 5/7 and 5/8 over Golden Week
        (D(2026, 12, 25), D(2027, 1, 5), 3),  # 12/28, 1/4, 1/5
    ],
)
def test_working_days_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert working_days_between(start, end) == expected


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        due_date(D(2026, 1, 5), 10, -1)


@given(
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2049, 12, 31)),
    days=st.integers(min_value=0, max_value=60),
)
def test_counting_back_gives_the_days_counted_forward(start: dt.date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)
