"""A case conference's changes of chair, on its own page or with its partnership
meeting's chair, kept on the conference (who changed it, from whom to whom, when and why)
and listed on its page for those who may open it; the pack names only who chairs it
now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from sharing import meeting_notices
from sharing.models import ChairChange, Conference, MeetingSeries, User
from sharing.vocabulary import ChairChangeReason


@dataclass(frozen=True)
class ChairChangeRow:
    """One change of chair, as the conference's page lists it: staff names and the
    reason as the form offered it."""

    id: int
    changed_at: datetime
    chair_from: str
    chair_to: str
    changed_by: str
    reason: str
    #: Its place on the page, which the notice of the change links to (``chair-`` and
    #: the moment it was made, as ``meeting_notices.chair_changed`` names it).
    anchor: str = ""


def record(
    session: Session,
    conference: Conference,
    was_chair: User,
    changed_by_id: int,
    reason: ChairChangeReason,
    now: datetime,
    *,
    meeting: MeetingSeries | None = None,
) -> ChairChange:
    """Keep on the conference that its chair changed from ``was_chair`` to its chair now,
    by whom, when and why (``MEETING_CHAIR``: with ``meeting``'s chair)."""
    change = ChairChange(
        conference_id=conference.id,
        changed_at=now,
        changed_by_id=changed_by_id,
        chair_from_id=was_chair.id,
        chair_to_id=conference.chair_id,
        reason=reason,
        series_id=meeting.id if meeting else None,
    )
    session.add(change)
    session.flush()
    return change


def changes(session: Session, conference_id: int) -> list[ChairChangeRow]:
    """The conference's changes of chair, earliest first, with the users they name (one
    query)."""
    rows = session.scalars(
        select(ChairChange)
        .where(ChairChange.conference_id == conference_id)
        .options(
            joinedload(ChairChange.changed_by),
            joinedload(ChairChange.chair_from),
            joinedload(ChairChange.chair_to),
            joinedload(ChairChange.series),
        )
        .order_by(ChairChange.changed_at, ChairChange.id)
    )
    listed: list[ChairChangeRow] = []
    for c in rows:
        anchor = meeting_notices.chair_anchor(c.changed_at)
        if any(r.anchor == anchor for r in listed):  # two changes within one second
            anchor = f"{anchor}-change-{c.id}"
        listed.append(
            ChairChangeRow(
                id=c.id,
                changed_at=c.changed_at,
                chair_from=c.chair_from.display_name,
                chair_to=c.chair_to.display_name,
                changed_by=c.changed_by.display_name,
                reason=_reason(c),
                anchor=anchor,
            )
        )
    return listed


def _reason(change: ChairChange) -> str:
    """The reason in the form's words; a change with a partnership meeting's chair names
    the meeting (as the conference's page does)."""
    if change.reason is ChairChangeReason.MEETING_CHAIR:
        meeting = change.series.name if change.series else "its partnership meeting"
        return f"The chair of {meeting} changed"
    return change.reason.label
