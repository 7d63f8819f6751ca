import datetime

import pytest

from cms.workdays import add_working_days, calendar_known, is_working_day, working_days_between


def test_national_day_holidays_are_skipped_and_make_up_days_count():
    # Given the 2026 National Day holiday (1-7 October) and its make-up Saturday (10 October)
    # Then
    assert not is_working_day(datetime.date(2026, 10, 1))
    assert is_working_day(datetime.date(2026, 10, 10))
    assert add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    assert working_days_between(datetime.date(2026, 9, 28), datetime.date(2026, 10, 12)) == 6


def test_a_year_the_calendar_does_not_know_falls_back_to_weekdays():
    # Given a year far beyond any published calendar
    day = datetime.date(2099, 1, 2)  # a Friday
    # Then weekends are skipped and nothing raises
    assert not calendar_known(day)
    assert add_working_days(day, 1) == datetime.date(2099, 1, 5)
    assert working_days_between(day, datetime.date(2099, 1, 9)) == 5


def test_zero_days_is_the_start_and_negative_is_refused():
    day = datetime.date(2026, 12, 2)
    assert add_working_days(day, 0) == day
    with pytest.raises(ValueError, match="negative"):
        add_working_days(day, -1)
