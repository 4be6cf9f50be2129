"""The partnership meeting a pack of the partnership's figures
(``sharing.figures.partnership``) is made for: the sittings offered, and the months a
sitting's pack covers (the month before a monthly meeting, the last quarter ended before
a quarterly one)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.errors import InputError
from sharing.figures.months import (
    FROM_FIELD,
    TO_FIELD,
    Months,
    instant,
    months_later,
    quarter_before,
)
from sharing.formats import whole_number
from sharing.models import Agency, MeetingSeries, MeetingSitting
from sharing.vocabulary import Cadence

MEETING_FIELD = "meeting"
#: Sittings this many days either side of today are offered for a meeting pack.
MEETING_DAYS = 120


def meetings(session: Session, agency_id: int, today: date) -> list[MeetingSitting]:
    """The partnership's meeting sittings from ``MEETING_DAYS`` before today to as many
    after, soonest first, but those cancelled (they do not sit): a meeting pack may be
    made for any of them."""
    area_id = session.get_one(Agency, agency_id).area_id
    start = instant(date.fromordinal(today.toordinal() - MEETING_DAYS))
    end = instant(date.fromordinal(today.toordinal() + MEETING_DAYS))
    return list(
        session.scalars(
            select(MeetingSitting)
            .join(MeetingSeries, MeetingSeries.id == MeetingSitting.series_id)
            .where(
                MeetingSeries.area_id == area_id,
                MeetingSitting.starts_at >= start,
                MeetingSitting.starts_at < end,
                MeetingSitting.cancelled_at.is_(None),
            )
            .order_by(MeetingSitting.starts_at, MeetingSitting.id)
        )
    )


def meeting_of(session: Session, area_id: int, text: str | None) -> MeetingSitting | None:
    """The sitting ``text`` names (its id); ``InputError`` for one the partnership does
    not have, or one cancelled (a pack for a sitting that will not sit would go to no
    meeting)."""
    text = (text or "").strip()
    if not text:
        return None
    sitting_id = whole_number(text)
    sitting = session.get(MeetingSitting, sitting_id) if sitting_id is not None else None
    if sitting is None or sitting.series.area_id != area_id:
        raise InputError(MEETING_FIELD, "Select one of the partnership's meetings")
    if sitting.cancelled_at is not None:
        raise InputError(
            MEETING_FIELD, "That sitting is cancelled: select a sitting the meeting holds"
        )
    return sitting


def meeting_period(sitting: MeetingSitting) -> Months:
    """The months a meeting's pack covers by default: for a meeting that sits monthly or
    more often, the month before the month it sits in; for a quarterly one, the last
    calendar quarter ended before that month."""
    month = clock.day_of(sitting.starts_at).replace(day=1)
    if sitting.series.cadence is Cadence.QUARTERLY:
        return quarter_before(month)
    return Months(months_later(month, -1), month)


def meeting_months(sitting: MeetingSitting) -> tuple[str, str]:
    """``meeting_period`` as asked for (``from``, ``to``)."""
    query = meeting_period(sitting).query
    return query[FROM_FIELD], query[TO_FIELD]


def ready_on(sitting: MeetingSitting, today: date) -> date | None:
    """The day the sitting's pack can be prepared (the day after its months end), or None
    once it can: an agenda says it where it would link to a pack refused."""
    end = meeting_period(sitting).end
    return end if end > today else None


def require_ended(sitting: MeetingSitting, today: date) -> None:
    """Refuse, at the meeting's field, the pack of a sitting whose months have not ended,
    saying from when it can be prepared."""
    period = meeting_period(sitting)
    if ready_on(sitting, today) is not None:
        raise InputError(
            MEETING_FIELD,
            f"This meeting's pack covers {period.title}, which has not ended: it can be "
            f"prepared from {period.end.day} {period.end:%B %Y}",
        )
