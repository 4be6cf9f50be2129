"""Whether a partnership meeting's sitting, at a time asked for, would overlap another
sitting of the same meeting or one its chair chairs. A sitting is kept with its start
alone: each is taken to last ``SITTING_LENGTH``, so two clash when they start less than
that apart. A cancelled sitting clashes with nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.errors import InputError
from sharing.models import MeetingSeries, MeetingSitting

#: How long a sitting is taken to last (a sitting records when it starts, not when it ends).
SITTING_LENGTH = timedelta(hours=2)
_HOURS = int(SITTING_LENGTH.total_seconds() // 3600)


def check_free(
    session: Session,
    starts_at: datetime,
    *,
    series_id: int | None,
    chair_id: int,
    area_id: int,
    sitting_id: int | None = None,
) -> None:
    """``InputError`` on ``starts_at``, naming the day and time of the sitting it would
    overlap: another of the meeting ``series_id`` (None for a meeting being set up), or
    one of another meeting chaired by ``chair_id``. ``sitting_id`` is the sitting being
    moved, which clashes with no earlier time of its own."""
    overlapping = (
        select(MeetingSitting)
        .join(MeetingSitting.series)
        .where(
            MeetingSitting.cancelled_at.is_(None),
            MeetingSitting.starts_at > starts_at - SITTING_LENGTH,
            MeetingSitting.starts_at < starts_at + SITTING_LENGTH,
        )
        .order_by(MeetingSitting.starts_at, MeetingSitting.id)
        .limit(1)
    )
    if sitting_id is not None:
        overlapping = overlapping.where(MeetingSitting.id != sitting_id)
    if series_id is not None:
        own = session.scalar(overlapping.where(MeetingSitting.series_id == series_id))
        if own is not None:
            raise InputError(
                "starts_at",
                f"The meeting already sits on {clock.moment_text(own.starts_at)}, and a "
                f"sitting is taken to last {_HOURS} hours: choose a time at least {_HOURS} "
                "hours before or after it",
            )
    chaired = session.scalar(overlapping.where(MeetingSeries.chair_id == chair_id))
    if chaired is not None:
        other = chaired.series
        name = other.name if other.area_id == area_id else "another partnership meeting"
        raise InputError(
            "starts_at",
            f"The meeting's chair already chairs {name} on "
            f"{clock.moment_text(chaired.starts_at)}, and a sitting is taken to last "
            f"{_HOURS} hours: choose a time at least {_HOURS} hours before or after it",
        )
