"""When the demo's officers work: on working days in England and Wales (Monday to Friday,
bank holidays excepted, from ``sharing.trigger.workdays``) in office hours on the English
clock. Landlords', environmental health's and the council's officers open, assess,
review, contact, share and act on cases then; the police work every day, and residents
report incidents at any hour.

Past the end of the bank holiday list (never before the demo's today, which the build
requires the list to reach) a weekday counts as a working day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sharing import clock
from sharing.trigger.workdays import CalendarExhausted, england_and_wales

#: Office hours (English clock, whole hours): when officers record and act on cases.
OFFICE_OPENS, OFFICE_CLOSES = 9, 17


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    try:
        return england_and_wales().is_working_day(day)
    except CalendarExhausted:
        return day.weekday() < 5


def on_or_after(day: date) -> date:
    """``day`` if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def on_or_before(day: date) -> date:
    """``day`` if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def at_work(day: date, minute: int) -> datetime:
    """``minute`` minutes after the office opens on ``day`` (English wall time), kept
    within office hours."""
    minute = min(max(minute, 0), (OFFICE_CLOSES - OFFICE_OPENS) * 60)
    opens = datetime.combine(day, time(OFFICE_OPENS), tzinfo=clock.PARTNERSHIP_ZONE)
    return opens + timedelta(minutes=minute)


def in_office_hours(moment: datetime) -> bool:
    """Whether ``moment`` falls on a working day between the office's opening and closing
    (closing time itself included) on the English clock."""
    local = moment.astimezone(clock.PARTNERSHIP_ZONE)
    minute = local.hour * 60 + local.minute + (local.second or local.microsecond) / 60
    opening = OFFICE_OPENS * 60 <= minute <= OFFICE_CLOSES * 60
    return opening and is_working_day(local.date())


def at_work_from(moment: datetime, minute: int) -> datetime:
    """``moment`` when it is in office hours; else ``minute`` minutes after the office
    opens on the next working day."""
    if in_office_hours(moment):
        return moment
    local = moment.astimezone(clock.PARTNERSHIP_ZONE)
    early = local.hour < OFFICE_OPENS and is_working_day(local.date())
    day = local.date() if early else on_or_after(local.date() + timedelta(days=1))
    return at_work(day, minute)


def at_work_before(moment: datetime, minute: int) -> datetime:
    """``moment`` when it is in office hours; else ``minute`` minutes before the office
    closes on the last working day before it (the same day, after closing time)."""
    if in_office_hours(moment):
        return moment
    local = moment.astimezone(clock.PARTNERSHIP_ZONE)
    late = local.hour >= OFFICE_CLOSES and is_working_day(local.date())
    day = local.date() if late else on_or_before(local.date() - timedelta(days=1))
    return at_work(day, (OFFICE_CLOSES - OFFICE_OPENS) * 60 - minute)


def at_work_between(
    moment: datetime, latest: datetime, minute: int, floor: datetime | None = None
) -> datetime:
    """``moment`` when it is at work, else the next working morning (``minute`` past
    opening), when that is by ``latest``; else the last working afternoon before
    ``latest`` when that is from ``floor`` (by default ``moment``) on; else, with no office
    hours between them, ``floor`` as it is, never later than ``latest``."""
    floor = moment if floor is None else floor
    at_work = at_work_from(moment, minute)
    if at_work <= latest:
        return at_work
    at_work = at_work_before(latest, minute)
    return at_work if at_work >= floor else min(floor, latest)
