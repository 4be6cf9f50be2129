"""Cancelling a case conference on its own, before it is held, by its convening agency
(the case officer on the case, its managers) or its chair, with a reason from a short
list and a note for the convening agency; and cancelling a case's planned conferences as
the case is closed or erased. Either way, as its sitting's cancellation cancels it
(``sittings.cancel_planned``): it leaves its sitting's agenda, its notices still waiting
are dropped and its invitations' shares end at once; its chair and the people expected
are told by a notice naming the case reference and the day alone; one audit entry names
the conference, the reason (never the note) and the shares ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices, stamps
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed
from sharing.formats import checked_text
from sharing.meetings import conference_pages, minute_writing, sittings
from sharing.models import Case, Conference, User
from sharing.vocabulary import ConferenceCancelReason, ConferenceStatus

MAX_NOTE = 500
#: The field a refusal names when the conference can no longer be cancelled at all.
NO_LONGER = "conference"
ACTION = acts.Action.CONFERENCE_CANCEL


def why_fixed(conference: Conference, now: datetime | None = None) -> str | None:
    """Why the conference can no longer be cancelled (cancelled; held: its time came, or
    minutes recorded for it), or None."""
    if conference.status is ConferenceStatus.CANCELLED:
        return "The conference is cancelled"
    if conference.minutes_status is not None or conference.status is ConferenceStatus.HELD:
        return "Minutes are recorded for the conference, so it has been held"
    if conference.starts_at <= (now or clock.now()):
        return "The conference has taken place"
    return None


def canceller(
    session: Session, actor: Actor, conference_id: int
) -> tuple[Conference, AuthorisedCase]:
    """The conference and its case, for someone who may cancel it: its chair as they read
    it, or its convening agency's staff who may end the case's shares (the case officer
    on the case, its managers). Another reader of it is refused (recorded,
    ``NotAllowed``); anyone who may not open it as for one that does not exist."""
    conference, authorised = conference_pages.opened(session, actor, conference_id, ACTION)
    if minute_writing.is_chair(actor, conference):
        return conference, authorised
    if conference.case.agency_id == actor.agency_id:
        return conference, authorise(session, actor, conference.case_id, Act.REVOKE_SHARE)
    raise acts.refused(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        reason="not the convening agency or the chair",
        answer=NotAllowed("only the convening agency and the chair cancel a conference"),
    )


def stamp(session: Session, conference: Conference) -> str:
    """The stamp of the conference, for the form that cancels it."""
    return stamps.of(session, conference)


def cancel(
    session: Session,
    actor: Actor,
    conference_id: int,
    reason: str,
    note: str = "",
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> Conference:
    """Cancel the conference (see ``canceller`` for who may). Refused with the field and
    the reason (recorded, nothing written) for a reason not offered, "another reason"
    with no note, a note too long; for a conference cancelled, held or minuted (two
    cancelling at once: the second waits, then is told); and (``ChangedMeanwhile``) for
    a form opened before it changed (moved with its sitting, say)."""
    now = now or clock.now()
    conference, _ = canceller(session, actor, conference_id)
    subject = acts.Subject("conference", conference.id)
    read_for_change(session, conference)
    if why := why_fixed(conference, now):
        acts.refuse(session, ACTION, actor=actor, subject=subject, reason=f"refused: {why.lower()}")
        raise InputError(NO_LONGER, why)
    stamps.check(session, opened, conference)
    with acts.refusing_input(session, ACTION, actor=actor, subject=subject):
        chosen, note = _reason(reason, note)
    call_off(session, actor, conference, chosen, note, now=now)
    return conference


def _reason(reason: str, note: str) -> tuple[ConferenceCancelReason, str]:
    offered = {value for value, _ in ConferenceCancelReason.offered()}
    why = ConferenceCancelReason.of(reason) if reason in offered else None
    if why is None:
        raise InputError("reason", "Choose why the conference is cancelled")
    note = checked_text("note", note, limit=MAX_NOTE, what="the note")
    if why is ConferenceCancelReason.OTHER and not note:
        raise InputError("note", "Say why the conference is cancelled")
    return why, note


def with_case(
    session: Session,
    actor: Actor,
    case: Case,
    why: ConferenceCancelReason,
    *,
    now: datetime,
    begun_too: bool = False,
) -> list[Conference]:
    """Cancel the case's conferences still to come as it is closed (``why``), each read
    again under its lock (one held or cancelled meanwhile is left as it is); those
    cancelled. One whose time has come stays, for its minutes and the actions it agreed,
    unless ``begun_too`` (as the case is erased: no minutes are written on it after)."""
    planned = list(
        session.scalars(
            select(Conference)
            .where(Conference.case_id == case.id, Conference.status == ConferenceStatus.PLANNED)
            .order_by(Conference.id)
            .with_for_update(of=Conference)
            .execution_options(populate_existing=True)
        )
    )
    cancelled = [
        c for c in planned if why_fixed(c, now) is None or (begun_too and c.minutes_status is None)
    ]
    for conference in cancelled:
        call_off(session, actor, conference, why, now=now)
    return cancelled


def call_off(
    session: Session,
    actor: Actor,
    conference: Conference,
    why: ConferenceCancelReason,
    note: str = "",
    *,
    now: datetime,
) -> list[int]:
    """Cancel the planned conference (held for change), now, by ``actor``: off its
    sitting's agenda, its notices still waiting dropped, its invitations' shares ended;
    its chair and the people expected told (not ``actor``). One ``conference.cancel``
    entry naming the case, the reason, the sitting left and the shares ended, never the
    note. The shares ended."""
    told = _to_tell(conference, actor)  # as expected now: their agencies' shares end below
    sitting_id = conference.sitting_id
    conference.sitting = None
    ended = sittings.cancel_planned(session, actor, conference, now)
    conference.cancel_reason, conference.cancel_note = why, note or None
    session.flush()
    notices.conference_cancelled(session, conference, told, now)
    acts.record(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=conference.purpose,
        basis=f"case {conference.case_id}; reason {why.value}"
        + (f"; taken off sitting {sitting_id}" if sitting_id else "")
        + (f"; shares {acts.ids(sorted(ended))} ended" if ended else ""),
    )
    return ended


def _to_tell(conference: Conference, actor: Actor) -> Sequence[User]:
    """The chair and the people expected at the conference, but the one cancelling it."""
    people = [conference.chair, *(a.user for a in conference.expected)]
    return [u for u in people if u.id != actor.user_id]


def refuse_input(session: Session, actor: Actor, conference_id: int, fields: list[str]) -> None:
    """Record a cancellation that the form refused before it came here, naming the
    fields, never their values."""
    acts.refuse(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference_id),
        reason=f"refused input: {', '.join(sorted(fields))}",
    )
