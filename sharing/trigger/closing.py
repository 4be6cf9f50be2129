"""Closing a Community Trigger application without a threshold decision or review of its
own: the applicant withdrew it, or it is a duplicate of another application (the same
victim applying by phone and online, two of a household applying about the same problem).

The lead (whoever may decide the threshold: ``sharing.trigger.handling``) records either
while the application is live: not yet decided, or met and under review with its outcome
still to send. Once closed it leaves the lead's list and deadlines, no letter or notice
goes for it (those waiting are given up), the agencies asked about it are not asked
again, and every act on it is refused saying why. Its retention runs from the day it was
closed. The published figures count a withdrawn application as received, with no
threshold decision; a duplicate not at all (``sharing.trigger.figures``).

Each is one audit entry naming the application, the stage it left and, for a duplicate,
the application it duplicates by id: never the note, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, stamps, trigger_notices
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.meetings import sittings
from sharing.models import TriggerApplication
from sharing.trigger import letters, panel, references
from sharing.trigger.field_checks import plain_text
from sharing.trigger.handling import (
    ALREADY_DONE,
    closure,
    handled,
    refuse_if_closed,
    refuse_if_erased,
    to_decide_again,
)
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import ThresholdDecision

#: The longest note on a withdrawal.
MAX_NOTE = 1_000
#: What a closing form stamps: where the application stands.
STAGE = (
    "decision",
    "review_sitting_id",
    "outcome_on",
    "appeal_received_on",
    "closed_at",
    "erased_at",
)
#: Why letters still waiting for a closed application were given up.
LETTERS_GIVEN_UP = "application closed"


def live(application: TriggerApplication) -> bool:
    """Whether the application is still being handled: not closed or erased, and either
    not yet decided, sent back by an appeal to be decided again, or met and under review,
    its outcome still to send.

    An appeal in hand does not make it live again: the applicant has had their answer and
    the appeal body hears and times the appeal, so it keeps off the lead's deadlines
    (``deadlines.next_clock``), is not closed as withdrawn nor taken as the one a
    duplicate is of, and only the details its letters use are corrected
    (``corrections.LETTER_DETAILS``: the appeal is of the review as it was). The hold
    from erasure of the cases its review named counts the appeal (``listing.APPEALED``),
    as they are evidence for it, until it is decided or the applicant withdraws it."""
    if application.closed_at is not None or application.erased_at is not None:
        return False
    if application.decision is None or to_decide_again(application):
        return True
    return application.decision is not ThresholdDecision.NOT_MET and application.outcome_on is None


def stage(application: TriggerApplication) -> str:
    """Where a live application stands, for the audit log."""
    if application.decision is None:
        return "before the threshold decision"
    return (
        "to be decided again after its appeal" if to_decide_again(application) else "under review"
    )


def stamp(session: Session, application: TriggerApplication) -> str:
    """The stamp a form closing the application carries: of where it stands."""
    return stamps.of(session, application, only=STAGE)


@dataclass(frozen=True)
class Closable:
    """What a form closing an application shows of it: its reference and dates, and
    where it stands (nothing personal, so no audit entry)."""

    id: int
    reference: str
    received_on: date
    #: Whether it may be closed (it is live), and why not.
    live: bool
    why_not: str
    #: The stamp the form carries (``stamp``).
    stamp: str
    #: "before the threshold decision" or "under review" while it is live.
    stage: str
    #: Whether it is before a panel's sitting still to come (which closing cancels, or
    #: takes its cases off).
    before_panel: bool = False


def closable(session: Session, actor: Actor, procedure: Procedure, application_id: int) -> Closable:
    """The application as a form closing it shows it, for the lead (``NotAllowed`` or
    ``NotFound`` otherwise, recorded)."""
    application = handled(session, actor, procedure, application_id)
    why_not = ""
    try:
        _refuse_unless_live(application)
    except InputError as refused:
        why_not = refused.message
    return Closable(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        live=not why_not,
        why_not=why_not,
        stamp=stamp(session, application),
        stage=stage(application),
        before_panel=application.review_sitting is not None
        and sittings.why_fixed(application.review_sitting) is None,
    )


def record_withdrawal(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    withdrawn_on: date | None,
    note: str,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record that the applicant withdrew the application on ``withdrawn_on``, with the
    lead's ``note`` (sealed). Refused, nothing written and the refusal recorded: an
    application that is not live (``ALREADY_DONE``, saying why), no date, a date in the
    future or before it was received (``withdrawn_on``), no note, markup or too long
    (``note``); ``ChangedMeanwhile`` if it moved on after the form was opened (``opened``)."""
    now = now or clock.now()
    application = handled(session, actor, procedure, application_id, acts.Action.TRIGGER_WITHDRAW)
    _hold(session, actor, acts.Action.TRIGGER_WITHDRAW, application, opened)
    with acts.refusing_input(
        session, acts.Action.TRIGGER_WITHDRAW, actor=actor, subject=_subject(application)
    ):
        _refuse_unless_live(application)
        day = _withdrawn_on(application, withdrawn_on, clock.day_of(now))
        text = plain_text(
            "note",
            note,
            MAX_NOTE,
            what="the note",
            required="Say how the applicant withdrew the application, and why if they said",
        )
    left = stage(application)
    application.withdrawn_on = day
    seal_many(application, {"withdrawal_note": text})
    given_up = _close(session, application, actor, now, "withdrawn by the applicant")
    acts.record(
        session,
        acts.Action.TRIGGER_WITHDRAW,
        actor=actor,
        subject=_subject(application),
        basis=f"withdrawn by the applicant {left}; {given_up}",
    )
    return application


def record_duplicate(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    reference: str,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record that the application is a duplicate of the one with ``reference``: that
    one must be the lead's, live, and not itself a duplicate. Refused, nothing written and
    the refusal recorded: an application that is not live (``ALREADY_DONE``), a reference
    that is missing, its own, not one of the lead's applications, or one that is not live
    (``duplicate_of``); ``ChangedMeanwhile`` if it moved on after the form was opened.
    Both applications are held while it is checked, so that two leads marking each as a
    duplicate of the other at once leaves one live."""
    now = now or clock.now()
    application = handled(session, actor, procedure, application_id, acts.Action.TRIGGER_DUPLICATE)
    subject = _subject(application)
    with acts.refusing_input(session, acts.Action.TRIGGER_DUPLICATE, actor=actor, subject=subject):
        original = _by_reference(session, application, reference)
    # Held in the order of their ids, whoever starts: two leads at once wait, never deadlock.
    read_for_change(session, *sorted((application, original), key=lambda a: a.id))
    _hold(session, actor, acts.Action.TRIGGER_DUPLICATE, application, opened)
    with acts.refusing_input(session, acts.Action.TRIGGER_DUPLICATE, actor=actor, subject=subject):
        _refuse_unless_live(application)
        _refuse_unless_original(original)
    left = stage(application)
    application.duplicate_of = original
    given_up = _close(session, application, actor, now, "a duplicate of another application")
    acts.record(
        session,
        acts.Action.TRIGGER_DUPLICATE,
        actor=actor,
        subject=subject,
        basis=f"duplicate of application {original.id} {left}; {given_up}",
    )
    return application


def duplicates_of(session: Session, application: TriggerApplication) -> list[TriggerApplication]:
    """The applications recorded as duplicates of this one, oldest first."""
    return list(
        session.scalars(
            select(TriggerApplication)
            .where(TriggerApplication.duplicate_of_id == application.id)
            .order_by(TriggerApplication.received_on, TriggerApplication.id)
        )
    )


def _subject(application: TriggerApplication) -> acts.Subject:
    return acts.Subject("trigger_application", application.id)


def _hold(
    session: Session,
    actor: Actor,
    action: acts.Action,
    application: TriggerApplication,
    opened: str | None,
) -> None:
    """Hold the application until the transaction ends (a second lead waits, then reads
    it closed); ``ChangedMeanwhile`` if it moved on since the form was opened, naming the
    last step recorded on it, the refusal recorded."""
    read_for_change(session, application)
    try:
        stamps.check(session, opened, application, only=STAGE)
    except ChangedMeanwhile:
        acts.refuse(
            session,
            action,
            actor=actor,
            subject=_subject(application),
            reason="refused input: changed meanwhile",
        )
        raise ChangedMeanwhile(*_last_step(application)) from None


def _last_step(application: TriggerApplication) -> tuple[datetime | None, str | None]:
    steps = [
        (at, by)
        for at, by in (
            (application.decided_at, application.decided_by),
            (application.review_convened_at, None),
            (application.closed_at, application.closed_by),
        )
        if at is not None
    ]
    if not steps:
        return None, None
    at, by = max(steps, key=lambda step: step[0])
    return at, by.display_name if by is not None else None


def _refuse_unless_live(application: TriggerApplication) -> None:
    refuse_if_erased(application, "it can no longer be closed")
    refuse_if_closed(application, "nothing was changed")
    if application.decision is ThresholdDecision.NOT_MET and not to_decide_again(application):
        raise InputError(
            ALREADY_DONE,
            "The threshold is decided not met: the applicant has their answer, so the "
            "application can no longer be closed as withdrawn or a duplicate",
        )
    if application.outcome_on is not None:
        raise InputError(
            ALREADY_DONE,
            "The applicant has been told the review's outcome, so the application can no "
            "longer be closed as withdrawn or a duplicate",
        )


def _withdrawn_on(application: TriggerApplication, day: date | None, today: date) -> date:
    if day is None:
        raise InputError("withdrawn_on", "Enter the date the applicant withdrew the application")
    if day > today:
        raise InputError(
            "withdrawn_on", "The date the applicant withdrew it must be today or before"
        )
    if day < application.received_on:
        raise InputError(
            "withdrawn_on",
            "The date the applicant withdrew it must be on or after the day it was received",
        )
    return day


def _by_reference(
    session: Session, application: TriggerApplication, reference: str
) -> TriggerApplication:
    wanted = references.as_written(reference or "")
    if not wanted:
        raise InputError(
            "duplicate_of", "Enter the reference of the application this one duplicates"
        )
    if wanted == application.reference:
        raise InputError(
            "duplicate_of",
            "That is this application's own reference: enter the reference of the one it "
            "duplicates",
        )
    original = session.scalar(
        select(TriggerApplication).where(
            TriggerApplication.reference == wanted,
            TriggerApplication.lead_agency_id == application.lead_agency_id,
        )
    )
    if original is None:
        raise InputError(
            "duplicate_of",
            "No application of the partnership has that reference: check it, for example "
            "ASBR-2026-7KQ4MX",
        )
    return original


def _refuse_unless_original(original: TriggerApplication) -> None:
    """Refuse an application that cannot be the one a duplicate is of: not live."""
    if original.duplicate_of is not None:
        raise InputError(
            "duplicate_of",
            f"Application {original.reference} is itself a duplicate of "
            f"{original.duplicate_of.reference}: enter {original.duplicate_of.reference}",
        )
    if original.erased_at is not None:
        raise InputError(
            "duplicate_of",
            f"Application {original.reference} is erased: it is no longer being handled",
        )
    if original.closed_at is not None:
        raise InputError(
            "duplicate_of",
            f"Application {original.reference} was {closure(original)}: it is no longer "
            "being handled, so this one is not its duplicate",
        )
    if not live(original):
        raise InputError(
            "duplicate_of",
            f"Application {original.reference} has its answer already: it is no longer being "
            "handled, so record this one's own decision",
        )


def _close(
    session: Session, application: TriggerApplication, actor: Actor, now: datetime, how: str
) -> str:
    """Close the application (``how``, in words the panel's page may show): no letter or
    notice goes for it any more, and its panel's sitting is cancelled, or its cases taken
    off it (``panel.leave``). What was given up and done, counts and ids, for the audit
    log."""
    application.closed_at = now
    application.closed_by_id = actor.user_id
    session.flush()
    given_up = letters.give_up(session, application, LETTERS_GIVEN_UP)
    dropped = trigger_notices.give_up_about_application(session, application.id)
    sitting = panel.leave(session, actor, application, how, now)
    return f"letters given up {given_up}; notices dropped {dropped}" + (
        f"; {sitting}" if sitting else ""
    )
