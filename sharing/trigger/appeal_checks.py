"""What the appeal's two forms are checked for: the applicant's appeal (the date it was
received and their reasons) and the appeal body's decision (the decision, its date and
its findings). Every problem is found at once, each at its field, so that the lead who
makes two mistakes is told both in one send: ``sharing.trigger.review_outcome`` refuses
with them all (one refusal naming every field), and the form says them beside its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.errors import InputError
from sharing.models import TriggerApplication
from sharing.trigger import letter_days
from sharing.trigger.field_checks import plain_text
from sharing.trigger.handling import closed_on, erased_on, handled
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import AppealDecision

MAX_FINDINGS = 5_000
#: What is said of an appeal body's decision not chosen.
APPEAL_DECISION_NEEDED = "Select the appeal body's decision"


def _found(*checks: Callable[[], object]) -> list[InputError]:
    problems = []
    for check in checks:
        try:
            check()
        except InputError as problem:
            problems.append(problem)
    return problems


def appeal_problems(
    application: TriggerApplication,
    procedure: Procedure,
    received_on: date | None,
    reasons: str,
    now: datetime,
) -> list[InputError]:
    """Every problem the appeal's date received and the applicant's reasons have, in the
    form's order (nothing recorded)."""
    return _found(
        lambda: _received(application, procedure, received_on, now),
        lambda: reasons_text(reasons),
    )


def reasons_text(reasons: str) -> str:
    """The applicant's reasons, as they are sealed."""
    return plain_text(
        "reasons",
        reasons,
        MAX_FINDINGS,
        what="the applicant's reasons",
        required="Give the applicant's reasons",
    )


def findings_text(findings: str) -> str:
    """The appeal body's findings, as they are sealed."""
    return plain_text(
        "findings",
        findings,
        MAX_FINDINGS,
        what="the appeal body's findings",
        required="Give the appeal body's findings",
    )


def _received(
    application: TriggerApplication, procedure: Procedure, received_on: date | None, now: datetime
) -> None:
    try:
        last = letter_days.appeal_by(application, procedure)
    except CalendarExhausted as exhausted:
        raise InputError(
            "received_on", f"The last day to appeal cannot be counted: the {exhausted}"
        ) from None
    if last is None:
        raise InputError(
            "received_on", 'An appeal follows the outcome letter or a "not met" decision'
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


def decision_problems(
    application: TriggerApplication,
    decision: str,
    findings: str,
    decided_on: date | None,
    now: datetime,
) -> list[InputError]:
    """Every problem the appeal body's decision, its date and its findings have, in the
    form's order (nothing recorded), for an appeal received."""
    return _found(
        lambda: _chosen(decision),
        lambda: _decided(application, decided_on, now),
        lambda: findings_text(findings),
    )


def _chosen(decision: str) -> AppealDecision:
    chosen = AppealDecision.of(decision)
    if chosen is None:
        raise InputError("appeal_decision", APPEAL_DECISION_NEEDED)
    return chosen


def _decided(application: TriggerApplication, decided_on: date | None, now: datetime) -> None:
    if decided_on is None:
        raise InputError("decided_on", "Enter the date of the appeal body's decision")
    if decided_on > clock.day_of(now):
        raise InputError("decided_on", "The date cannot be in the future")
    received = application.appeal_received_on
    if received is not None and decided_on < received:
        raise InputError("decided_on", "The decision cannot come before the appeal")


def _open_to_appeal(application: TriggerApplication) -> bool:
    """Whether the application's appeal forms are still for its fields: not erased, not
    closed, the appeal not recorded yet (those the page says instead)."""
    return (
        erased_on(application) is None
        and closed_on(application) is None
        and application.appeal_received_on is None
    )


def appeal_form_problems(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    received_on: date | None,
    reasons: str,
) -> list[InputError]:
    """The problems ``record_appeal`` would refuse the appeal's fields for, for the form
    to say beside its own (none once the page says the appeal cannot be recorded)."""
    application = handled(session, actor, procedure, application_id)
    if not _open_to_appeal(application):
        return []
    return appeal_problems(application, procedure, received_on, reasons, clock.now())


def decision_form_problems(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    decision: str,
    findings: str,
    decided_on: date | None,
) -> list[InputError]:
    """The problems ``decide_appeal`` would refuse the decision's fields for, for the form
    to say beside its own (none while no appeal is in hand to decide)."""
    application = handled(session, actor, procedure, application_id)
    if (
        erased_on(application) is not None
        or closed_on(application) is not None
        or application.appeal_received_on is None
        or application.appeal_decision is not None
        or application.appeal_withdrawn_on is not None
    ):
        return []
    return decision_problems(application, decision, findings, decided_on, clock.now())
