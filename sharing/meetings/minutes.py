"""The minutes of a case conference's meeting: the minute of each agenda item, and
circulating and agreeing the minutes.

The convening agency writes the minutes (draft), circulates them to the attendees, and the
chair agrees them, amending first if need be; agreed minutes are read-only. Every part
that names people is sealed under the case, under its data category, and each reader sees
it as their decision on the case allows. Every change and every refusal is audited.

Who may write them, and when, is ``sharing.meetings.minute_writing``; who came
``sharing.meetings.conference_attendance``; the decisions
``sharing.meetings.conference_decisions``; the record of the meeting as one reader may see
it ``sharing.meetings.meeting_record``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed
from sharing.formats import checked_text
from sharing.meetings import minute_writing
from sharing.models import Conference, MinuteItem
from sharing.vocabulary import MinutesStatus, NoticeKind

MAX_HEADING = 200
MAX_MINUTE = 10_000


def refuse_input(
    session: Session,
    actor: Actor,
    conference_id: int,
    fields: Sequence[str],
    *,
    now: datetime | None = None,
) -> None:
    """Record a change to the minutes that a form refused before it came here, naming the
    fields, never their values; the actor is first checked as ``writer`` checks any
    change (someone who may not change them now is refused, recorded and raised as
    there). With no fields, only that check: for a form someone may not open."""
    conference = minute_writing.conference(session, actor, conference_id)
    minute_writing.writer(session, actor, conference, now=now)
    if fields:
        minute_writing.refuse(session, actor, conference, f"refused input: {', '.join(fields)}")


def save_minute(
    session: Session,
    actor: Actor,
    conference_id: int,
    heading: str,
    discussion: str,
    item_id: int | None = None,
    now: datetime | None = None,
    *,
    opened: str | None = None,
) -> bool:
    """Add the minute of an agenda item, or amend one (``item_id``): ``ChangedMeanwhile``,
    naming who wrote it last and when, if it was amended after the form was opened (its
    stamp ``opened``). Whether anything changed: an amendment saved as it was writes
    nothing, so its last writer and their time stay, and records nothing."""
    now = now or clock.now()
    conference = minute_writing.conference(session, actor, conference_id)
    authorised = minute_writing.writer(session, actor, conference, now=now)
    item = minute_writing.part(session, MinuteItem, item_id, conference)
    if item is not None:
        minute_writing.unchanged(session, opened, item)
    try:
        values = {
            "heading": checked_text(
                "heading",
                heading,
                limit=MAX_HEADING,
                what="the agenda item",
                required="Enter the agenda item",
            ),
            "discussion": checked_text(
                "discussion",
                discussion,
                limit=MAX_MINUTE,
                what="what was discussed and agreed",
                required="Enter what was discussed and agreed",
            ),
        }
    except InputError as refused:
        minute_writing.refuse(session, actor, conference, f"refused input: {refused.field}")
        raise
    if item is None:
        item = MinuteItem(conference=conference, written_by_id=actor.user_id, written_at=now)
        session.add(item)
    if not seal_many(item, values):
        return False
    item.written_by_id, item.written_at = actor.user_id, now
    minute_writing.begin(conference)
    session.flush()
    minute_writing.recorded(session, authorised, conference, f"minute {item.id}")
    return True


def circulate(
    session: Session, actor: Actor, conference_id: int, now: datetime | None = None
) -> Conference:
    """Send the draft minutes to the attendees for comment (the convening agency or the
    chair), once attendance and at least one minute are recorded."""
    now = now or clock.now()
    conference = minute_writing.conference(session, actor, conference_id)
    authorised = minute_writing.writer(session, actor, conference, now=now)
    read_for_change(session, conference)  # sent twice at once: the second waits, then sees it
    missing = None
    if conference.minutes_status is MinutesStatus.CIRCULATED:
        missing = "The minutes are already circulated"
    elif not conference.minutes:
        missing = "Add the minute of at least one agenda item before circulating"
    elif not conference.expected:
        missing = "Record who attended before circulating"
    elif any(a.attendance is None for a in conference.expected):
        missing = "Record everyone's attendance before circulating"
    if missing:
        minute_writing.refuse(session, actor, conference, "refused input: minutes not ready")
        raise InputError("minutes", missing)
    conference.minutes_status = MinutesStatus.CIRCULATED
    conference.minutes_circulated_at = now
    session.flush()
    meeting_notices.minutes_ready(
        session, conference, NoticeKind.MINUTES_CIRCULATED, actor.user_id, now
    )
    acts.record(
        session,
        acts.Action.MINUTES_CIRCULATE,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}",
    )
    return conference


def agree(
    session: Session, actor: Actor, conference_id: int, now: datetime | None = None
) -> Conference:
    """The chair agrees the circulated minutes; from now on they are read-only."""
    now = now or clock.now()
    conference = minute_writing.conference(session, actor, conference_id)
    authorised = minute_writing.reader(session, actor, conference)
    if not minute_writing.is_chair(actor, conference):
        minute_writing.refuse(session, actor, conference, "not the chair")
        raise NotAllowed("only the chair agrees the minutes")
    minute_writing.writable(session, actor, conference, now)
    if conference.minutes_status is not MinutesStatus.CIRCULATED:
        minute_writing.refuse(session, actor, conference, "refused input: minutes not circulated")
        raise InputError("minutes", "Circulate the minutes to the attendees before agreeing them")
    conference.minutes_status = MinutesStatus.AGREED
    conference.minutes_agreed_at = now
    conference.minutes_agreed_by_id = actor.user_id
    session.flush()
    meeting_notices.minutes_ready(
        session, conference, NoticeKind.MINUTES_AGREED, actor.user_id, now
    )
    acts.record(
        session,
        acts.Action.MINUTES_AGREE,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}; minutes {acts.ids([m.id for m in conference.minutes])}; "
        f"decisions {acts.ids([d.id for d in conference.decisions])}",
    )
    return conference
