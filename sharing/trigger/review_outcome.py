"""The outcome of an ASB Case Review, as the letter to the applicant says it, and the
appeal against it: the applicant's request and the appeal body's decision.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import TriggerApplication
from sharing.trigger import handling, letters
from sharing.trigger.handling import handled
from sharing.trigger.input_checks import plain_text
from sharing.trigger.procedure import Procedure
from sharing.trigger.review import subject
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import AppealDecision, LetterKind

MAX_FINDINGS = 5_000


def record_outcome(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    findings: str,
    next_steps: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record the review's outcome, dated today, as the letter to the applicant says it
    (and queue the letter by e-mail if they gave an address). Refused before the panel
    has sat, twice, or without the findings or what happens next."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_OUTCOME, actor=actor, subject=subject(application)
    ):
        handling.refuse_if_erased(application, "no outcome can be recorded on it")
        handling.refuse_if_closed(application, "no outcome is recorded on it")
        sitting = application.review_sitting
        if sitting is None:
            raise InputError("findings", "Convene the review panel first")
        if sitting.starts_at > now:
            raise InputError("findings", "The outcome is recorded after the panel has met")
        if application.outcome_on is not None:
            raise InputError(
                handling.ALREADY_DONE, "The outcome is already recorded. Nothing was changed."
            )
        values = {
            "outcome_findings": plain_text(
                "findings",
                findings,
                MAX_FINDINGS,
                what="what the panel found",
                required="Say what the panel found",
            ),
            "outcome_next_steps": plain_text(
                "next_steps",
                next_steps,
                MAX_FINDINGS,
                what="what happens next",
                required="Say what happens next",
            ),
        }
    application.outcome_on = clock.day_of(now)
    application.outcome_by_id = actor.user_id
    seal_many(application, values)
    session.flush()
    made = [r.id for r in application.recommendations if not r.on_appeal]
    acts.record(
        session,
        acts.Action.TRIGGER_OUTCOME,
        actor=actor,
        subject=subject(application),
        basis=f"recommendations {acts.ids(made)}" if made else "no recommendations",
    )
    details = reveal(handling.LEAD, application, handling.DETAILS)
    letters.queue(session, application, LetterKind.OUTCOME, details, now)
    return application


def record_appeal(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    received_on: date | None,
    reasons: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record the applicant's request for an appeal. Refused: before the outcome (or a
    "not met" decision), twice, a date in the future or before the letter, after the
    procedure's time limit (saying the last day), or without the applicant's reasons."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_APPEAL, actor=actor, subject=subject(application)
    ):
        handling.refuse_if_erased(application, "no appeal can be recorded on it")
        handling.refuse_if_closed(application, "no appeal is recorded on it")
        try:
            last = letters.appeal_by(application, procedure)
        except CalendarExhausted as exhausted:
            raise InputError(
                "received_on", f"The last day to appeal cannot be counted: the {exhausted}"
            ) from None
        if last is None:
            raise InputError(
                "received_on", 'An appeal follows the outcome letter or a "not met" decision'
            )
        if application.appeal_received_on is not None:
            raise InputError(
                handling.ALREADY_DONE, "The appeal is already recorded. Nothing was changed."
            )
        if received_on is None:
            raise InputError("received_on", "Enter the date the appeal was received")
        if received_on > clock.day_of(now):
            raise InputError("received_on", "The date received cannot be in the future")
        letter_on = application.outcome_on or clock.day_of(application.decided_at or now)
        if received_on < letter_on:
            raise InputError("received_on", "The appeal cannot be received before the letter")
        if received_on > last:
            raise InputError(
                "received_on",
                f"The time limit was {procedure.appeal.within_working_days} working days: the "
                f"last day to appeal was {last.day} {last:%B %Y}",
            )
        text = plain_text(
            "reasons",
            reasons,
            MAX_FINDINGS,
            what="the applicant's reasons",
            required="Give the applicant's reasons",
        )
    application.appeal_received_on = received_on
    seal_many(application, {"appeal_reasons": text})
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_APPEAL,
        actor=actor,
        subject=subject(application),
        basis=f"received {received_on.isoformat()}",
    )
    return application


def decide_appeal(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    decision: str,
    findings: str,
    decided_on: date | None,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record the appeal body's decision (as the lead receives it) and queue the letter.
    Refused: no appeal received, decided twice, no choice, no findings, a date in the
    future or before the appeal."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_APPEAL_DECIDE, actor=actor, subject=subject(application)
    ):
        handling.refuse_if_erased(application, "no appeal decision can be recorded on it")
        handling.refuse_if_closed(application, "no appeal decision is recorded on it")
        if application.appeal_received_on is None:
            raise InputError("appeal_decision", "Record the appeal first")
        if application.appeal_decision is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "The appeal decision is already recorded. Nothing was changed.",
            )
        chosen = AppealDecision.of(decision)
        if chosen is None:
            raise InputError("appeal_decision", "Choose the appeal body's decision")
        if decided_on is None:
            raise InputError("decided_on", "Enter the date of the appeal body's decision")
        if decided_on > clock.day_of(now):
            raise InputError("decided_on", "The date cannot be in the future")
        if decided_on < application.appeal_received_on:
            raise InputError("decided_on", "The decision cannot come before the appeal")
        text = plain_text(
            "findings",
            findings,
            MAX_FINDINGS,
            what="the appeal body's findings",
            required="Give the appeal body's findings",
        )
    application.appeal_decision = chosen
    application.appeal_decided_on = decided_on
    seal_many(application, {"appeal_findings": text})
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_APPEAL_DECIDE,
        actor=actor,
        subject=subject(application),
        basis=chosen.value,
    )
    details = reveal(handling.LEAD, application, handling.DETAILS)
    letters.queue(session, application, LetterKind.APPEAL_DECISION, details, now)
    return application
