"""Who writes a case conference's minutes, and when: the convening agency while they are a
draft, the chair until they are agreed, once the conference has begun; the conference a
change is for, a minute or decision of it to amend, and the audit entry of a change or a
refusal.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.authorise import AuthorisedCase, authorise, authorise_chair
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.models import Conference, ConferenceDecision, MinuteItem
from sharing.vocabulary import ConferenceStatus, MinutesStatus


def conference(session: Session, actor: Actor, conference_id: int) -> Conference:
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise acts.refused(
            session,
            acts.Action.MINUTES_RECORD,
            actor=actor,
            subject=acts.Subject("conference", conference_id),
            reason="no such conference",
            answer=NotFound(conference_id),
        )
    return conference


def refuse(session: Session, actor: Actor, conference: Conference, reason: str) -> None:
    acts.refuse(
        session,
        acts.Action.MINUTES_RECORD,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        reason=reason,
    )


def is_chair(actor: Actor, conference: Conference) -> bool:
    return actor.user_id == conference.chair_id


def reader(session: Session, actor: Actor, conference: Conference) -> AuthorisedCase:
    """The case of the conference, for someone at its table about to change its minutes:
    the convening agency for a record on its case, the chair as they read it, an invited
    agency through its share. Anyone who may not see the conference is refused as for one
    that does not exist (``NotFound``), before anything is said of its minutes."""
    convening = actor.agency_id == conference.case.agency_id
    if convening and is_chair(actor, conference):
        return authorise_chair(
            session,
            actor,
            conference.case_id,
            conference.purpose,
            conference.chair_reads_until,
            Act.RECORD,
        )
    if convening:
        return authorise(session, actor, conference.case_id, Act.RECORD)
    if actor.agency_id not in conference.at_the_table:
        refuse(session, actor, conference, "the agency is not invited")
        raise NotFound(conference.id)
    return authorise(session, actor, conference.case_id, Act.VIEW, conference.purpose)


def writer(
    session: Session, actor: Actor, conference: Conference, *, now: datetime | None = None
) -> AuthorisedCase:
    """The case of the conference, for someone changing its minutes now: the convening
    agency while they are a draft, the chair until they are agreed, once the conference
    has begun. Anything else is refused, recorded, and raised (``NotFound`` for someone
    who may not see the conference, ``NotAllowed`` for someone who may not write them,
    ``InputError`` for minutes that cannot change now)."""
    authorised = reader(session, actor, conference)
    writable(session, actor, conference, now or clock.now())
    return authorised


def writable(session: Session, actor: Actor, conference: Conference, now: datetime) -> None:
    """Refuse (recorded) a change to the minutes that may not be made now. Checked on the
    conference read under its lock, so that a change sent as the chair agrees the minutes
    (or an agreement sent twice) waits for the agreement, then is refused: agreed minutes
    stay as they were agreed."""
    read_for_change(session, conference)
    convening = actor.agency_id == conference.case.agency_id
    if not (convening or is_chair(actor, conference)):
        refuse(session, actor, conference, "not the convening agency or the chair")
        raise NotAllowed("only the convening agency and the chair write the minutes")
    if conference.minutes_status is MinutesStatus.AGREED:
        refuse(session, actor, conference, "refused input: minutes agreed")
        raise InputError("minutes", "The minutes are agreed, so they can no longer be changed")
    if conference.status is ConferenceStatus.CANCELLED:
        refuse(session, actor, conference, "refused input: conference cancelled")
        raise InputError("minutes", "The conference was cancelled")
    if conference.starts_at > now:
        refuse(session, actor, conference, "refused input: conference not begun")
        raise InputError("minutes", "Minutes are written once the conference has begun")
    if conference.minutes_status is MinutesStatus.CIRCULATED and not is_chair(actor, conference):
        refuse(session, actor, conference, "refused input: minutes circulated")
        raise InputError("minutes", "The minutes are circulated: only the chair may amend them now")


Part = TypeVar("Part", MinuteItem, ConferenceDecision)


def part(
    session: Session, model: type[Part], part_id: int | None, conference: Conference
) -> Part | None:
    """The minute or decision ``part_id`` of this conference to amend (None for a new one);
    ``NotFound`` for one of another conference."""
    if part_id is None:
        return None
    part = session.get(model, part_id)
    if part is None or part.conference_id != conference.id:
        raise NotFound(part_id)
    return part


def begin(conference: Conference) -> None:
    """The first record of the meeting: the conference was held, its minutes are a draft."""
    conference.status = ConferenceStatus.HELD
    if conference.minutes_status is None:
        conference.minutes_status = MinutesStatus.DRAFT


def recorded(
    session: Session, authorised: AuthorisedCase, conference: Conference, basis: str
) -> None:
    acts.record(
        session,
        acts.Action.MINUTES_RECORD,
        actor=authorised.actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose,
        basis=f"case {conference.case_id}; {basis}",
    )


def unchanged(session: Session, opened: str | None, part: MinuteItem | ConferenceDecision) -> None:
    """Refuse to amend ``part`` if it changed after the form was opened, saying who wrote
    it last and when."""
    try:
        stamps.check(session, opened, part)
    except ChangedMeanwhile:
        raise ChangedMeanwhile(part.written_at, part.written_by.display_name) from None
