"""The 12 months the Community Trigger's published figures count (``?from=2026-04``):
the month asked for read, and refused at its field when it is not one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sharing.errors import InputError
from sharing.figures.months import months_later

#: The earliest first month asked for.
EARLIEST = date(2000, 1, 1)
#: The field the first month is asked for in (``?from=2026-04``).
FIELD = "from"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


@dataclass(frozen=True)
class Period:
    """Twelve calendar months: from ``start`` (the 1st of a month) up to, not including,
    ``end``."""

    start: date
    end: date

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), months_later(date(year, month, 1), 12))

    @property
    def month(self) -> str:
        """The first month, as asked for: ``2026-04``."""
        return f"{self.start:%Y-%m}"

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def title(self) -> str:
        """``April 2026 to March 2027``."""
        return f"{self.start:%B %Y} to {self.last_day:%B %Y}"

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day < self.end


def period_from(text: str | None, today: date) -> Period:
    """The 12 months from the month ``text`` names (``2026-04``); the last 12 complete
    months when it names none. ``InputError`` on the ``from`` field for anything that is
    not a month, a month in the future, or one before January 2000."""
    this_month = today.replace(day=1)
    text = (text or "").strip()
    if not text:
        start = months_later(this_month, -12)
        return Period.of_month(start.year, start.month)
    found = _MONTH.fullmatch(text)
    if found is None or not 1 <= int(found[2]) <= 12:
        raise InputError(FIELD, "Enter the first month as a year and month, for example 2025-04")
    year, month = int(found[1]), int(found[2])
    if (year, month) < (EARLIEST.year, EARLIEST.month):  # year 0 is no date at all
        raise InputError(FIELD, "The first month must be January 2000 or later")
    first = date(year, month, 1)
    if first > this_month:
        raise InputError(FIELD, "The first month cannot be in the future")
    return Period.of_month(first.year, first.month)
