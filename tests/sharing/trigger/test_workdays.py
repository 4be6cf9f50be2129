"""Working days in England and Wales from GOV.UK's shipped bank holiday list: across
Christmas (with substitute days), Easter, and the end of the known list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.trigger.workdays import CalendarExhausted, england_and_wales

CALENDAR = england_and_wales()


def test_christmas_2026_skips_christmas_day_the_weekend_and_the_substitute_boxing_day() -> None:
    # Boxing Day 2026 is a Saturday: Monday 28 December is its substitute.
    assert CALENDAR.holidays[date(2026, 12, 28)] == "Boxing Day"
    assert not CALENDAR.is_working_day(date(2026, 12, 28))
    # Received Tuesday 22 December: 23, 24, 29, 30, 31 December.
    assert CALENDAR.add(date(2026, 12, 22), 5) == date(2026, 12, 31)
    # New Year's Day is a holiday too: the 10th working day is 8 January.
    assert CALENDAR.add(date(2026, 12, 22), 10) == date(2027, 1, 8)


def test_christmas_2027_has_two_substitute_days() -> None:
    # Christmas Day and Boxing Day 2027 fall on a weekend: 27 and 28 December instead.
    assert CALENDAR.add(date(2027, 12, 24), 1) == date(2027, 12, 29)


def test_easter_2027_skips_good_friday_and_easter_monday() -> None:
    assert CALENDAR.add(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert CALENDAR.between(date(2027, 3, 25), date(2027, 3, 30)) == 1


def test_an_ordinary_week() -> None:
    # Friday 13 November 2026 + 5 working days is the next Friday.
    assert CALENDAR.add(date(2026, 11, 13), 5) == date(2026, 11, 20)
    assert CALENDAR.between(date(2026, 11, 20), date(2026, 11, 13)) == -5  # overdue


def test_beyond_the_known_list_the_calendar_refuses_to_guess() -> None:
    with pytest.raises(CalendarExhausted, match="update the govuk-bank-holidays package"):
        CALENDAR.add(CALENDAR.known_until - timedelta(days=3), 10)


DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 9, 30))


@given(DAYS, st.integers(min_value=1, max_value=40))
def test_counting_forwards_lands_on_a_working_day_that_many_working_days_on(start, n) -> None:
    end = CALENDAR.add(start, n)
    assert CALENDAR.is_working_day(end)
    assert CALENDAR.between(start, end) == n
    assert CALENDAR.add(start, n - 1) < end
    # No more than a fortnight's worth of calendar days for each working week, and never
    # fewer calendar days than working days.
    assert n <= (end - start).days <= 7 * n + 14


@given(st.dates(min_value=date(2024, 3, 1), max_value=date(2028, 12, 31)), st.integers(1, 40))
def test_counting_back_lands_on_a_working_day_that_many_working_days_before(end, n) -> None:
    start = CALENDAR.before(end, n)
    assert CALENDAR.is_working_day(start)
    assert CALENDAR.between(start, end - timedelta(days=1)) == n - 1  # the days in between
    assert start < end
    assert CALENDAR.before(end, n - 1) > start  # the (n - 1)th is later


def test_counting_back_across_easter_2027() -> None:
    # Two working days before Tuesday 30 March 2027: Easter Monday and Good Friday are
    # holidays, so Wednesday 24 March (Thursday 25 is the first).
    assert CALENDAR.before(date(2027, 3, 30), 2) == date(2027, 3, 24)
