"""The partnership's one clock.

Times are kept in UTC (``now``); days are the partnership's days, in England
(``today``, ``day_of``): a share "until 5 June" lasts until midnight in London, in summer
and in winter alike. Decisions, pages, jobs and the demo all ask this module, and tests pin
it (``pinned``) to any moment they need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Where the partnership's days begin and end.
PARTNERSHIP_ZONE = ZoneInfo("Europe/London")

_pinned: datetime | None = None


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return _pinned if _pinned is not None else datetime.now(UTC)


def day_of(moment: datetime) -> date:
    """The partnership's date at ``moment`` (a UTC or other aware time)."""
    return moment.astimezone(PARTNERSHIP_ZONE).date()


def uk_moment(day: date, hour: int, minute: int) -> datetime | None:
    """The moment a UK clock shows ``hour:minute`` on ``day``, or None for a time the clocks
    skip (1am to 2am on the last Sunday in March); a time they show twice (1am to 2am on
    the last Sunday in October) is its first. ``ValueError`` for no such hour or minute."""
    local = datetime.combine(day, time(hour, minute), tzinfo=PARTNERSHIP_ZONE)
    shown = local.astimezone(UTC).astimezone(PARTNERSHIP_ZONE)
    return local if shown.time() == local.time() else None


#: What UK clocks show in summer (British Summer Time) and in winter (Greenwich Mean Time):
#: what a time written with it says, of the two moments a time shown twice may be.
SUMMER_TIME, WINTER_TIME = "BST", "GMT"


def uk_moment_in(day: date, hour: int, minute: int, shown_in: str) -> datetime | None:
    """The moment (in UTC) a UK clock shows ``hour:minute`` on ``day`` in summer time
    (``"BST"``) or winter time (``"GMT"``): the first or the second of a time the clocks show
    twice. None when they did not show that time in it that day (12:00 GMT in July, a
    time the clocks skip). ``ValueError`` for no such hour or minute."""
    for fold in (0, 1):
        local = datetime.combine(day, time(hour, minute, fold=fold), tzinfo=PARTNERSHIP_ZONE)
        if local.tzname() == shown_in and _wall(local) == _wall(local.astimezone(UTC)):
            return local.astimezone(UTC)
    return None


def shown_twice(moment: datetime) -> bool:
    """Whether a UK clock shows ``moment``'s time twice that day (1am to 2am on the last
    Sunday in October, in summer time and then in winter time), so that the time alone
    does not say which moment it is."""
    local = moment.astimezone(PARTNERSHIP_ZONE)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def same_on_the_clock(one: datetime, other: datetime) -> bool:
    """Whether a UK clock shows ``one`` and ``other`` alike (the two moments of a time
    shown twice are; a form showing either reads it back as its first)."""
    return _wall(one) == _wall(other)


def _wall(moment: datetime) -> datetime:
    return moment.astimezone(PARTNERSHIP_ZONE).replace(tzinfo=None, fold=0)


def moment_text(moment: datetime) -> str:
    """A moment as people in the partnership read it: ``22 November 2026 at 3:04pm``, in
    UK time. In the hour the clocks show twice (1am to 2am on the last Sunday in October)
    it says which: ``25 October 2026 at 1:30am BST``, then ``... at 1:30am GMT``."""
    local = moment.astimezone(PARTNERSHIP_ZONE)
    hour = local.hour % 12 or 12
    text = f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
    return f"{text} {local.tzname()}" if _shown_twice(local) else text


def _shown_twice(local: datetime) -> bool:
    """Whether a UK clock shows ``local``'s time twice that day (the clocks going back)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def day_text(day: date) -> str:
    """A day as people in the partnership write it: ``22 November 2026``."""
    return f"{day.day} {day:%B %Y}"


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later, or earlier for a negative ``years`` (29 February: 28
    February in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years_after(day: date, years: int) -> date:
    """The day ``years`` full years after ``day`` end: the same day ``years`` later, or 1
    March for a 29 February in a year without one (never a day before the years are
    full), as a retention kept "for N years after" a day ends."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def days_before(moment: datetime, days: int) -> datetime:
    """The moment a UK clock showed ``moment``'s time ``days`` days earlier: "the last 30
    days" from 9am are from 9am, across a change of the clocks too (where 30 times 24
    hours would be from 8am or 10am). A time the clocks skipped that day is the moment an
    hour later on them, as it would have been in winter time."""
    local = moment.astimezone(PARTNERSHIP_ZONE).replace(fold=0)
    return (local - timedelta(days=days)).astimezone(UTC)


def today() -> date:
    """The partnership's date now."""
    return day_of(now())


@contextmanager
def pinned(moment: datetime) -> Iterator[datetime]:
    """Hold the clock at ``moment`` (aware) for the length of the block."""
    global _pinned
    if moment.tzinfo is None:
        raise ValueError("pin the clock to an aware time")
    before, _pinned = _pinned, moment.astimezone(UTC)
    try:
        yield _pinned
    finally:
        _pinned = before
