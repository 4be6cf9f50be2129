"""Apologies sent before a case conference by someone expected at it: they say on its
page that they cannot come (or, changing their mind, that they can after all), and the
convening agency finds them marked "Sent apologies" when it records who attended. They
are their attendance recorded in advance, so the conference is not held by them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock, meeting_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed
from sharing.meetings import conference_pages
from sharing.models import Conference, ConferenceAttendee
from sharing.vocabulary import Attendance, ConferenceStatus

ACTION = acts.Action.CONFERENCE_CHANGE
#: The field a refusal names.
FIELD = "apologies"


def why_closed(conference: Conference, now: datetime) -> str | None:
    """Why apologies can no longer be sent or taken back (cancelled, begun, or its
    attendance or minutes recorded), or None."""
    if conference.status is ConferenceStatus.CANCELLED:
        return "The conference is cancelled"
    if conference.minutes_status is not None or conference.status is ConferenceStatus.HELD:
        return "Its attendance is recorded: tell the convening agency"
    if conference.starts_at <= now:
        return "The conference has begun: tell its chair"
    return None


def place_of(conference: Conference, user_id: int) -> ConferenceAttendee | None:
    """The user's place among the people expected, if they are expected."""
    return next((a for a in conference.expected if a.user_id == user_id), None)


def offered(session: Session, actor: Actor, conference_id: int) -> bool | None:
    """For the conference's page, already opened by the actor: whether they have sent
    their apologies (and may take them back), or have not (and may send them); None
    where they may do neither (not expected, or too late). Nothing recorded."""
    conference = session.get(Conference, conference_id)
    place = place_of(conference, actor.user_id) if conference is not None else None
    if conference is None or place is None or why_closed(conference, clock.now()):
        return None
    return place.attendance is Attendance.APOLOGIES


def send(
    session: Session,
    actor: Actor,
    conference_id: int,
    *,
    coming: bool = False,
    now: datetime | None = None,
) -> bool:
    """Record the actor's apologies for the conference (``coming``: take them back);
    whether anything changed. Only someone expected may, before it begins (refused and
    recorded otherwise: ``NotAllowed`` for someone not expected, ``InputError`` once it
    has begun, been held or been cancelled). One entry names the attendee by id."""
    now = now or clock.now()
    conference, _ = conference_pages.opened(session, actor, conference_id, ACTION)
    subject = acts.Subject("conference", conference.id)
    read_for_change(session, conference)
    place = place_of(conference, actor.user_id)
    if place is None:
        raise acts.refused(
            session,
            ACTION,
            actor=actor,
            subject=subject,
            reason="refused: apologies from someone not expected",
            answer=NotAllowed("only someone expected at the conference sends apologies"),
        )
    if why := why_closed(conference, now):
        acts.refuse(session, ACTION, actor=actor, subject=subject, reason=f"refused: {why.lower()}")
        raise InputError(FIELD, why)
    wanted = None if coming else Attendance.APOLOGIES
    if place.attendance is wanted:
        return False
    place.attendance, place.deputy_id = wanted, None
    session.flush()
    meeting_notices.apologies_changed(
        session, conference, place.id, actor.user_id, sent=not coming, now=now
    )
    acts.record(
        session,
        ACTION,
        actor=actor,
        subject=subject,
        purpose=conference.purpose,
        basis=f"case {conference.case_id}; "
        + (
            f"apologies withdrawn, attendee {place.id}"
            if coming
            else f"apologies, attendee {place.id}"
        ),
    )
    return True
