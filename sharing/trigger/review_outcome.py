"""The outcome of an ASB Case Review, as the letter to the applicant says it, and the
appeal against it: the applicant's request, the appeal body's decision, or the applicant
withdrawing the appeal before it is decided.

A withdrawn appeal ends without a decision and without a letter (neither the area's
procedure nor the guidance it follows asks for one: the applicant told the lead). The
application is then as it was before the appeal, reviewed and told its outcome: its
retention runs from the day the appeal was withdrawn, the cases its review named are no
longer held from erasure for it, nothing more is recommended on appeal and the agencies
are no longer asked about its complaints. Recommendations made on appeal and not yet done
are cancelled, their agencies told (the appeal they answered ended without a decision);
the review panel's recommendations stand, and those done on appeal stay done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock, stamps, trigger_notices
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.clock import day_text
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import TriggerApplication
from sharing.trigger import appeal_checks, handling, letters, review_recommendations
from sharing.trigger.field_checks import plain_text
from sharing.trigger.handling import handled
from sharing.trigger.procedure import Procedure
from sharing.trigger.review import subject
from sharing.vocabulary import AppealDecision, LetterKind

MAX_FINDINGS = appeal_checks.MAX_FINDINGS
APPEAL_DECISION_NEEDED = appeal_checks.APPEAL_DECISION_NEEDED
#: What a form withdrawing the appeal stamps: where the appeal stands.
APPEAL_STAGE = (
    "appeal_received_on",
    "appeal_decision",
    "appeal_withdrawn_on",
    "closed_at",
    "erased_at",
)


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
    """Record the applicant's request for an appeal. Refused: twice; then every problem
    of its date and reasons at once (before the outcome or a "not met" decision, a date in
    the future or before the letter, after the procedure's time limit, saying the last
    day, or without the applicant's reasons: ``appeal_checks``)."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # taken twice at once: the second waits
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.TRIGGER_APPEAL, actor=actor, subject=subject(application)
    ):
        handling.refuse_if_erased(application, "no appeal can be recorded on it")
        handling.refuse_if_closed(application, "no appeal is recorded on it")
        if application.appeal_received_on is not None:
            raise InputError(
                handling.ALREADY_DONE, "The appeal is already recorded. Nothing was changed."
            )
    _refuse_with_every(
        session,
        acts.Action.TRIGGER_APPEAL,
        actor,
        application,
        appeal_checks.appeal_problems(application, procedure, received_on, reasons, now),
    )
    assert received_on is not None  # noqa: S101 - refused above without one
    text = appeal_checks.reasons_text(reasons)
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
    Refused: no appeal received, decided twice, withdrawn by the applicant; then every
    problem of the decision, its date and its findings at once (no choice, no findings, a
    date in the future or before the appeal: ``appeal_checks``)."""
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
        if application.appeal_withdrawn_on is not None:
            raise InputError(
                handling.ALREADY_DONE,
                "The applicant withdrew the appeal on "
                f"{day_text(application.appeal_withdrawn_on)}: it has no decision to record. "
                "Nothing was changed.",
            )
    _refuse_with_every(
        session,
        acts.Action.TRIGGER_APPEAL_DECIDE,
        actor,
        application,
        appeal_checks.decision_problems(application, decision, findings, decided_on, now),
    )
    chosen = AppealDecision.of(decision)
    assert chosen is not None  # noqa: S101 - refused above without one
    assert decided_on is not None  # noqa: S101 - refused above without one
    text = appeal_checks.findings_text(findings)
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


def _refuse_with_every(
    session: Session,
    action: acts.Action,
    actor: Actor,
    application: TriggerApplication,
    problems: list[InputError],
) -> None:
    """Refuse with the first of ``problems`` (the form says them all), recorded once
    naming every field that has one."""
    if problems:
        fields = acts.input_refused(sorted({p.field for p in problems}))
        acts.refuse(session, action, actor=actor, subject=subject(application), reason=fields)
        raise problems[0]


@dataclass(frozen=True)
class AppealInHand:
    """What the form withdrawing an appeal shows of the application: its reference and
    dates (nothing personal, so no audit entry)."""

    id: int
    reference: str
    received_on: date
    appeal_received_on: date | None
    #: Why the appeal cannot be withdrawn ("" while it is in hand).
    why_not: str
    #: The stamp the form carries (of where the appeal stands).
    stamp: str
    #: The recommendations made on appeal not yet done (cancelled with the appeal).
    open_on_appeal: int


def appeal_in_hand(
    session: Session, actor: Actor, procedure: Procedure, application_id: int
) -> AppealInHand:
    """The application as the form withdrawing its appeal shows it, for the lead
    (``NotAllowed`` or ``NotFound`` otherwise, recorded)."""
    action = acts.Action.TRIGGER_APPEAL_WITHDRAW
    application = handled(session, actor, procedure, application_id, action)
    why_not = ""
    try:
        refuse_unless_appeal_in_hand(application)
    except InputError as refused:
        why_not = refused.message
    return AppealInHand(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        appeal_received_on=application.appeal_received_on,
        why_not=why_not,
        stamp=stamps.of(session, application, only=APPEAL_STAGE),
        open_on_appeal=sum(
            r.on_appeal and review_recommendations.is_open(r) for r in application.recommendations
        ),
    )


def withdraw_appeal(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    withdrawn_on: date | None,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> TriggerApplication:
    """Record that the applicant withdrew their appeal on ``withdrawn_on``: it ends without
    a decision, and the recommendations made on it and not yet done are cancelled, their
    agencies told (``review_recommendations.cancel_with_appeal``). Refused, nothing written and the refusal recorded: no appeal in hand
    (``ALREADY_DONE``: none received, decided or withdrawn already, the application closed
    or erased), no date, a date in the future or before the appeal (``withdrawn_on``);
    ``ChangedMeanwhile`` for a form opened before the appeal moved on (``opened``). Two
    leads at once: the second waits, then is refused."""
    now = now or clock.now()
    action = acts.Action.TRIGGER_APPEAL_WITHDRAW
    application = handled(session, actor, procedure, application_id, action)
    read_for_change(session, application)  # taken twice at once: the second waits
    try:
        stamps.check(session, opened, application, only=APPEAL_STAGE)
    except ChangedMeanwhile:
        acts.refuse(
            session,
            action,
            actor=actor,
            subject=subject(application),
            reason="refused input: changed meanwhile",
        )
        raise
    with acts.refusing_input(session, action, actor=actor, subject=subject(application)):
        refuse_unless_appeal_in_hand(application)
        day = _appeal_withdrawn_on(application, withdrawn_on, clock.day_of(now))
    application.appeal_withdrawn_on = day
    session.flush()
    dropped = trigger_notices.give_up_about_application(session, application.id)
    cancelled = review_recommendations.cancel_with_appeal(session, application, now)
    acts.record(
        session,
        action,
        actor=actor,
        subject=subject(application),
        basis=f"withdrawn {day.isoformat()}; notices dropped {dropped}"
        + (
            f"; recommendations on appeal cancelled {acts.ids([r.id for r in cancelled])}"
            if cancelled
            else ""
        ),
    )
    return application


def refuse_unless_appeal_in_hand(application: TriggerApplication) -> None:
    """``InputError`` at ``ALREADY_DONE`` unless an appeal is in hand: received, and
    neither decided nor withdrawn (nor the application erased or closed)."""
    handling.refuse_if_erased(application, "its appeal can no longer be withdrawn")
    handling.refuse_if_closed(application, "it has no appeal to withdraw")
    if application.appeal_decided_on is not None:
        raise InputError(
            handling.ALREADY_DONE,
            f"The appeal decision was recorded on {day_text(application.appeal_decided_on)}: "
            "a decided appeal can no longer be withdrawn. Nothing was changed.",
        )
    if application.appeal_withdrawn_on is not None:
        raise InputError(
            handling.ALREADY_DONE,
            "The applicant's withdrawal of the appeal is already recorded, on "
            f"{day_text(application.appeal_withdrawn_on)}. Nothing was changed.",
        )
    if application.appeal_received_on is None:
        raise InputError(
            handling.ALREADY_DONE, "No appeal is recorded, so there is none to withdraw"
        )


def _appeal_withdrawn_on(application: TriggerApplication, day: date | None, today: date) -> date:
    if day is None:
        raise InputError("withdrawn_on", "Enter the date the applicant withdrew the appeal")
    if day > today:
        raise InputError(
            "withdrawn_on", "The date the applicant withdrew the appeal must be today or before"
        )
    received = application.appeal_received_on
    if received is not None and day < received:
        raise InputError(
            "withdrawn_on",
            "The date the applicant withdrew the appeal must be on or after the day it was "
            f"received, {day_text(received)}",
        )
    return day
