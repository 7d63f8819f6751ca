"""Chinese working days (工作日): national holidays and their make-up working days (调休).

The official calendar comes from `chinese-calendar`, which knows each year once the State Council
has published it (usually in November of the year before). For a year it does not know yet, every
weekday counts as a working day: deadlines stay computable and err towards being early, never late.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_working_day(day: datetime.date) -> bool:
    """Whether `day` is a working day in mainland China (make-up Saturdays count, holidays do not)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the calendar does not know yet: weekdays only
        return day.weekday() < 5


def calendar_known(day: datetime.date) -> bool:
    """Whether the official holiday calendar covers `day`'s year (else only weekends are skipped)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (counting from the day after; 0 gives `start`)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if `end` <= `start`)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
