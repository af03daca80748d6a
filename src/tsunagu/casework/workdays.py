"""City working days (開庁日) for 標準処理期間: no weekends, national holidays or 年末年始.

Pure date arithmetic without Django, so the back office's deadlines can be checked in
isolation. National holidays (including 振替休日 and 国民の休日) come from the maintained
``holidays`` package; the year-end closure 12/29–1/3 is the one most cities set by
ordinance under 地方自治法 第4条の2.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays

# (month, day) of the year-end and new-year closure (年末年始の休日).
CLOSED_MONTH_DAYS: frozenset[tuple[int, int]] = frozenset(
    {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
)


@functools.lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    """Whether the city office is open on ``day``.

    >>> is_working_day(dt.date(2026, 5, 6))  # 振替休日
    False
    """
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in CLOSED_MONTH_DAYS:
        return False
    return day not in _national_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted).

    With ``days == 0`` the answer is ``start`` itself.

    >>> add_working_days(dt.date(2026, 4, 30), 2)  # over Golden Week
    datetime.date(2026, 5, 7)
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in the half-open span (``start``, ``end``]; 0 when ``end <= start``.

    Used for the paused clock: a correction requested on ``start`` and answered on ``end``
    stops the clock for the working days after the request up to the day of the answer.

    >>> working_days_between(dt.date(2026, 5, 1), dt.date(2026, 5, 8))
    2
    """
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def due_date(start: dt.date, working_days: int, paused_days: int = 0) -> dt.date:
    """The end of a 標準処理期間 of ``working_days`` city working days from receipt on
    ``start``, extended by ``paused_days`` working days during which the clock was stopped
    (a pending 補正依頼). The day of receipt is not counted (初日不算入).

    >>> due_date(dt.date(2026, 12, 25), 3)
    datetime.date(2027, 1, 5)
    """
    if paused_days < 0:
        raise ValueError("paused_days must not be negative")
    return add_working_days(start, working_days + paused_days)
