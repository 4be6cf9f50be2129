"""The partnership's one clock.

Times are kept in UTC (``now``); days are the partnership's days, in England
(``today``, ``day_of``): a share "until 5 June" lasts until midnight in London, in summer
and in winter alike. Decisions, pages, jobs and the demo all ask this module, and tests pin
it (``pinned``) to any moment they need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
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
