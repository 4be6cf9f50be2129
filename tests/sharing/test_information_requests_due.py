"""When an invited agency's answer to a conference's information request is due: two
working days before the conference, so that the chair reads every answer on a working day
before the meeting, never on a weekend or bank holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sharing.meetings.requests import due_on
from sharing.trigger.workdays import WorkingDays, england_and_wales


def _at_ten(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)


def test_a_monday_conference_asks_by_the_thursday_before() -> None:
    # Monday 14 December 2026: Friday 11 is one working day before, Thursday 10 two (it
    # was Saturday 12, when nobody is at work to answer).
    assert due_on(_at_ten(date(2026, 12, 14)), date(2026, 12, 1)) == date(2026, 12, 10)


def test_a_friday_conference_asks_by_the_wednesday() -> None:
    assert due_on(_at_ten(date(2026, 12, 11)), date(2026, 12, 1)) == date(2026, 12, 9)


def test_bank_holidays_are_not_counted() -> None:
    # Tuesday 29 December 2026: Monday 28 (Boxing Day's substitute) and Friday 25 are
    # holidays, so Thursday 24 and Wednesday 23 December.
    assert due_on(_at_ten(date(2026, 12, 29)), date(2026, 12, 1)) == date(2026, 12, 23)


def test_never_before_the_day_it_is_asked() -> None:
    assert due_on(_at_ten(date(2026, 12, 14)), date(2026, 12, 11)) == date(2026, 12, 11)


def test_past_the_bank_holiday_list_monday_to_friday_count() -> None:
    calendar = WorkingDays(england_and_wales().holidays, date(2026, 12, 31))
    # Monday 4 January 2027 is past this calendar's end: Thursday 31 December is two
    # weekdays before it (New Year's Day is not known to it).
    assert due_on(_at_ten(date(2027, 1, 4)), date(2026, 12, 1), calendar) == date(2026, 12, 31)
