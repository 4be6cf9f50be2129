"""Periods of whole calendar months, as the partnership's figures are asked for
(``?from=2026-04&to=2026-06``), and the instants that bound them.

A reader chooses one of the periods a partnership's meetings use: one month, a calendar
quarter, a financial year (April to March) or a calendar year. These overlap only as a
month sits in its quarter and a quarter in its years, so their figures, set against each
other, leave a "fewer than 5" far less to narrow than every run of months would
(``sharing.figures.rounding``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sharing import clock
from sharing.errors import InputError

#: The earliest month asked for.
EARLIEST = date(2000, 1, 1)
#: The months a quarter starts in.
QUARTER_STARTS = (1, 4, 7, 10)
#: The months a year of figures starts in: the calendar year, the financial year.
YEAR_STARTS = (1, 4)
PERIODS = (
    "Choose one month, a quarter (January to March, April to June, July to September or "
    "October to December), a financial year (April to March) or a calendar year"
)
FROM_FIELD = "from"
TO_FIELD = "to"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def months_later(first: date, months: int) -> date:
    """The 1st of the month ``months`` after (or before) the month of ``first``."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def instant(day: date) -> datetime:
    """The UTC instant of midnight at the start of ``day`` in the partnership's time."""
    return datetime.combine(day, time(0), clock.PARTNERSHIP_ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Months:
    """Whole months from ``start`` (the 1st of a month) up to, not including, ``end``
    (the 1st of a later month)."""

    start: date
    end: date

    @property
    def count(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    @property
    def last_month(self) -> date:
        return months_later(self.end, -1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def title(self) -> str:
        """``April 2026`` or ``April to June 2026`` or ``October 2025 to March 2026``."""
        if self.count == 1:
            return f"{self.start:%B %Y}"
        if self.start.year == self.last_month.year:
            return f"{self.start:%B} to {self.last_month:%B %Y}"
        return f"{self.start:%B %Y} to {self.last_month:%B %Y}"

    @property
    def query(self) -> dict[str, str]:
        """The period as asked for in a link."""
        return {FROM_FIELD: f"{self.start:%Y-%m}", TO_FIELD: f"{self.last_month:%Y-%m}"}

    def each(self) -> list[Months]:
        """Each month of the period, in order."""
        return [
            Months(months_later(self.start, i), months_later(self.start, i + 1))
            for i in range(self.count)
        ]

    def shifted(self, months: int) -> Months:
        return Months(months_later(self.start, months), months_later(self.end, months))

    def before(self) -> Months:
        """The period of the same length just before this one."""
        return self.shifted(-self.count)

    def year_before(self) -> Months:
        return self.shifted(-12)

    def bounds(self) -> tuple[datetime, datetime]:
        return instant(self.start), instant(self.end)

    @property
    def may_be_chosen(self) -> bool:
        """One month, a calendar quarter, a financial or a calendar year."""
        return (
            self.count == 1
            or (self.count == 3 and self.start.month in QUARTER_STARTS)
            or (self.count == 12 and self.start.month in YEAR_STARTS)
        )


def quarter_before(month: date) -> Months:
    """The calendar quarter that ended last before the quarter ``month`` falls in."""
    start = months_later(month.replace(day=1), -((month.month - 1) % 3) - 3)
    return Months(start, months_later(start, 3))


def _month(text: str, field: str, which: str) -> date:
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise InputError(field, f"Enter the {which} month as a year and month, like 2026-04")
    year, month = int(found[1]), int(found[2])
    if (year, month) < (EARLIEST.year, EARLIEST.month):
        raise InputError(field, f"The {which} month must be January 2000 or later")
    return date(year, month, 1)


def not_ended(this_month: date) -> str:
    """Why a period whose last month is this month, or one to come, is refused."""
    latest = months_later(this_month, -1)
    return (
        "Figures are given only for periods that have ended: the last month can be "
        f"{latest:%B %Y} or earlier"
    )


def months_of(from_text: str | None, to_text: str | None, today: date) -> Months:
    """The months from ``from_text`` to ``to_text`` (both ``YYYY-MM``, both included); one
    month alone when only one is given; by default the last quarter ended. ``InputError``
    naming the field for a month that is not one, an end before the start, a period not
    yet ended (its last month this month or to come: a period still under way would
    count a different set of cases each day, and each set is rounded afresh; see
    ``sharing.figures.rounding``), or a period that is not one month, a quarter or a year
    (``may_be_chosen``)."""
    this_month = today.replace(day=1)
    from_text, to_text = (from_text or "").strip(), (to_text or "").strip()
    if not (from_text or to_text):
        return quarter_before(this_month)
    first = _month(from_text, FROM_FIELD, "first") if from_text else None
    last = _month(to_text, TO_FIELD, "last") if to_text else None
    first, last = first or last or this_month, last or first or this_month
    if last >= this_month:
        field = TO_FIELD if to_text else FROM_FIELD
        raise InputError(field, not_ended(this_month))
    if last < first:
        raise InputError(TO_FIELD, "The last month must be the same as or after the first month")
    period = Months(first, months_later(last, 1))
    if not period.may_be_chosen:
        raise InputError(TO_FIELD, PERIODS)
    return period
