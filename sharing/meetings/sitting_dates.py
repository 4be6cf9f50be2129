"""When a partnership meeting next sits by its cadence (weekly, fortnightly, monthly,
quarterly), at the same time on a UK clock: the date its next sitting is proposed for."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from sharing import clock
from sharing.models import MeetingSeries
from sharing.vocabulary import Cadence


def next_sitting(series: MeetingSeries, *, after: datetime | None = None) -> datetime:
    """When the meeting would next sit by its cadence: a week or two after its last
    sitting not cancelled (a cancelled one did not sit, so its place in the cadence is
    free again), or the same weekday of the month (the second Tuesday stays the second
    Tuesday; a fifth becomes the last) one or three months on; then on, until after
    ``after`` (default now). With every sitting cancelled, the cadence starts again from
    the first."""
    after = after or clock.now()
    held = [s.starts_at for s in series.sittings if not s.cancelled]
    if held:
        proposed = _step(max(held), series.cadence)
    elif series.sittings:
        proposed = min(s.starts_at for s in series.sittings)
    else:
        proposed = _step(after, series.cadence)
    while proposed <= after:
        proposed = _step(proposed, series.cadence)
    return proposed


def _step(moment: datetime, cadence: Cadence) -> datetime:
    """The next sitting after ``moment`` by the cadence, at the same time on a UK clock
    (10am stays 10am when the clocks change; an hour the clocks skip moves an hour on)."""
    local = moment.astimezone(clock.PARTNERSHIP_ZONE)
    day = _next_day(local.date(), cadence)
    return datetime.combine(day, local.timetz()).astimezone(UTC)


def _next_day(day: date, cadence: Cadence) -> date:
    if cadence is Cadence.WEEKLY:
        return day + timedelta(days=7)
    if cadence is Cadence.FORTNIGHTLY:
        return day + timedelta(days=14)
    months = 1 if cadence is Cadence.MONTHLY else 3
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    nth = (day.day - 1) // 7
    weekdays = [
        week[day.weekday()] for week in calendar.monthcalendar(year, month) if week[day.weekday()]
    ]
    return date(year, month, weekdays[min(nth, len(weekdays) - 1)])
