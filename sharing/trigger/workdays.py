"""Working days in England and Wales, for the Community Trigger's local timescales
("acknowledge within 5 working days"): Monday to Friday except bank holidays, from the
bank holiday list GOV.UK publishes, as shipped with the ``govuk-bank-holidays`` package (so
it works offline and the same on every machine).

The shipped list ends at a known date (a few years ahead). Beyond it a working day cannot
be known for certain, so the calendar refuses to count past it (``CalendarExhausted``)
rather than guess: upgrading the package extends it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from govuk_bank_holidays.bank_holidays import BankHolidays


class CalendarExhausted(ValueError):
    """A date beyond the last year the bank holiday list covers."""


class WorkingDays:
    """England and Wales working days, given the bank holidays (date → name) and the last
    day the list is known to cover."""

    def __init__(self, holidays: dict[date, str], known_until: date) -> None:
        self.holidays = dict(holidays)
        self.known_until = known_until

    def require_known(self, day: date) -> None:
        """Raise ``CalendarExhausted`` for a day past the end of the bank holiday list."""
        if day > self.known_until:
            raise CalendarExhausted(
                f"bank holidays are known only to {self.known_until:%d %B %Y}: "
                "update the govuk-bank-holidays package"
            )

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday."""
        self.require_known(day)
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted, as
        "within 5 working days of receipt" counts from the next working day)."""
        if days < 0:
            raise ValueError("count working days forwards")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def before(self, end: date, days: int) -> date:
        """The ``days``-th working day before ``end`` (``end`` itself not counted, as "two
        working days before the meeting" counts back from the day before it)."""
        if days < 0:
            raise ValueError("count working days backwards")
        day = end
        while days:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def between(self, start: date, end: date) -> int:
        """How many working days after ``start`` up to and including ``end``; negative
        when ``end`` is before ``start`` (the days overdue)."""
        if end < start:
            return -self.between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


@cache
def england_and_wales() -> WorkingDays:
    """The calendar from the shipped GOV.UK list (read once)."""
    source = BankHolidays(use_cached_holidays=True)
    holidays = {
        h["date"]: h["title"] for h in source.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    }
    return WorkingDays(holidays, date(max(holidays).year, 12, 31))


def working_day_from(day: date, calendar: WorkingDays | None = None) -> date:
    """``day``, or the next working day when it is a weekend or a bank holiday; past the
    end of the bank holiday list, ``day`` as it is (a day to aim for, not a deadline the
    hub counts)."""
    try:
        return (calendar or england_and_wales()).on_or_after(day)
    except CalendarExhausted:
        return day


def not_a_working_day(day: date, calendar: WorkingDays | None = None) -> str:
    """Why nobody works on ``day``, for a date someone typed that should be a working
    day: "a Saturday", "a Sunday", "a bank holiday (Christmas Day)"; "" for a working
    day, and for a weekday past the end of the bank holiday list (not known: not refused
    on a guess)."""
    if day.weekday() >= 5:
        return f"a {day:%A}"
    calendar = calendar or england_and_wales()
    holiday = calendar.holidays.get(day)
    return f"a bank holiday ({holiday})" if holiday else ""


#: How long before the bank holiday list runs out the lead is warned.
WARN_BEFORE = timedelta(days=120)


def _ends_soon(today: date, calendar: WorkingDays | None) -> date | None:
    """The last day the bank holiday list knows, when that is within ``WARN_BEFORE`` of
    ``today`` or already past; None until then."""
    known_until = (calendar or england_and_wales()).known_until
    return None if known_until - today > WARN_BEFORE else known_until


def running_out(today: date, calendar: WorkingDays | None = None) -> str | None:
    """A warning for the lead when the bank holiday list ends within ``WARN_BEFORE`` of
    ``today`` (deadlines past its end cannot be counted); None until then."""
    known_until = _ends_soon(today, calendar)
    if known_until is None:
        return None
    return (
        f"Bank holidays are known only to {known_until.day} {known_until:%B %Y}: deadlines "
        "after that day cannot be counted. Ask the hub's operator to update the "
        "govuk-bank-holidays package before then."
    )


def to_update(today: date, calendar: WorkingDays | None = None) -> str | None:
    """A warning for the hub's operator when the bank holiday list ends within
    ``WARN_BEFORE`` of ``today``, or has ended; None until then."""
    known_until = _ends_soon(today, calendar)
    if known_until is None:
        return None
    ends = "ended on" if known_until < today else "ends on"
    return (
        f"Update the govuk-bank-holidays package: its list of bank holidays {ends} "
        f"{known_until.day} {known_until:%B %Y}, and working days after that day cannot be "
        "counted (cases' first contact, Community Trigger deadlines)."
    )
