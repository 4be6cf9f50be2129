"""Cancelling a case conference on its own, until it is held, by its convening agency
(the case officer on the case, its managers) or its chair, with a reason from a short
list and a note for the convening agency: before its time, or after it when it did not
take place (a conference still planned once its time has passed says so to those who may
change it, until it is recorded held or cancelled); and cancelling a case's planned
conferences as the case is closed or erased. Either way, as its partnership meeting's
sitting cancelled or a panel taking it off the sitting's agenda cancels it (``end``, with
a reason of its own): its notices still waiting are dropped and its invitations' shares
end at once. On its own or with its case it leaves its sitting's agenda and its chair and
the people expected are told by a notice naming the case reference and the day alone;
one audit entry names the conference, the reason (never the note) and the shares ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, meeting_notices, stamps, waiting_meeting_notices
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import share_ending
from sharing.db import read_for_change
from sharing.errors import InputError, NotAllowed
from sharing.formats import reason_and_note
from sharing.meetings import conference_pages, minute_writing
from sharing.models import Case, Conference, User
from sharing.vocabulary import ConferenceCancelReason, ConferenceStatus

MAX_NOTE = 500
#: The field a refusal names when the conference can no longer be cancelled at all.
NO_LONGER = "conference"
ACTION = acts.Action.CONFERENCE_CANCEL


def why_fixed(conference: Conference) -> str | None:
    """Why the conference can no longer be cancelled (cancelled; held: minutes recorded
    for it), or None. One whose time has passed may still be: it did not take place."""
    if conference.status is ConferenceStatus.CANCELLED:
        return "The conference is cancelled"
    if conference.minutes_status is not None or conference.status is ConferenceStatus.HELD:
        return "Minutes are recorded for the conference, so it has been held"
    return None


def date_passed(conference: Conference, now: datetime | None = None) -> bool:
    """Whether the conference is still planned though its time has passed: nobody has
    recorded it held (its attendance or minutes) nor cancelled it."""
    return why_fixed(conference) is None and conference.starts_at <= (now or clock.now())


def reasons(conference: Conference, now: datetime | None = None) -> list[tuple[str, str]]:
    """The reasons offered for cancelling the conference: "It did not take place" too
    once its time has passed."""
    return ConferenceCancelReason.offered(passed=date_passed(conference, now))


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
    the reason (recorded, nothing written) for a reason not offered ("It did not take
    place" before its time), "another reason" with no note, a note too long; for a
    conference cancelled, held or minuted (two cancelling at once, or its minutes begun
    as it is cancelled: the second waits, then is told); and (``ChangedMeanwhile``) for a
    form opened before it changed (moved with its sitting, say)."""
    now = now or clock.now()
    conference, _ = canceller(session, actor, conference_id)
    subject = acts.Subject("conference", conference.id)
    read_for_change(session, conference)
    if why := why_fixed(conference):
        acts.refuse(session, ACTION, actor=actor, subject=subject, reason=f"refused: {why.lower()}")
        raise InputError(NO_LONGER, why)
    stamps.check(session, opened, conference)
    with acts.refusing_input(session, ACTION, actor=actor, subject=subject):
        chosen, note = reason_and_note(
            (m for m in ConferenceCancelReason if m.value in dict(reasons(conference, now))),
            reason,
            note,
            other=ConferenceCancelReason.OTHER,
            limit=MAX_NOTE,
            what="the conference",
        )
    call_off(session, actor, conference, chosen, note, now=now)
    return conference


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
        c for c in planned if c.minutes_status is None and (c.starts_at > now or begun_too)
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
    ended = end(session, actor, conference, why, note, now=now)
    session.flush()
    meeting_notices.conference_cancelled(session, conference, told, now)
    record(
        session, actor, conference, ended, f"taken off sitting {sitting_id}" if sitting_id else ""
    )
    return ended


def end(
    session: Session,
    actor: Actor,
    conference: Conference,
    why: ConferenceCancelReason,
    note: str = "",
    *,
    now: datetime,
) -> list[int]:
    """Cancel the planned conference, now, by ``actor``, for ``why``: its notices still
    waiting dropped, its invitations' shares still standing ended (each audited); the
    shares ended. On its own and with its case (``call_off``), with its sitting or taken
    off its agenda (``sharing.meetings.sittings``), who tell and record it each their
    way."""
    conference.status = ConferenceStatus.CANCELLED
    conference.cancelled_at, conference.cancelled_by_id = now, actor.user_id
    conference.cancel_reason, conference.cancel_note = why, note or None
    waiting_meeting_notices.drop_about_conference(session, conference)
    today = clock.day_of(now)
    ended = []
    for invitation in conference.invitations:
        if invitation.stands(today):
            share_ending.end_with_conference(session, actor, invitation.share, now)
            ended.append(invitation.share_id)
    return ended


def record(
    session: Session, actor: Actor, conference: Conference, ended: list[int], also: str = ""
) -> None:
    """The ``conference.cancel`` entry of the conference ``end`` cancelled: its case, its
    reason, ``also`` (ids only) and the shares ended, never the note."""
    reason = conference.cancel_reason.value if conference.cancel_reason else None
    acts.record(
        session,
        ACTION,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=conference.purpose,
        basis=f"case {conference.case_id}; reason {reason}"
        + (f"; {also}" if also else "")
        + (f"; shares {acts.ids(sorted(ended))} ended" if ended else ""),
    )


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
