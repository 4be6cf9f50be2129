"""Who handles Community Trigger applications, and what of one they read: only the lead
agency's Community Trigger leads and managers; anyone else is refused (``NotAllowed``), and
an application they ask for by number is "not found". What they read of one is revealed
under the lead's own decision (``LEAD``). An application whose personal data was erased
keeps what the figures need, and any act on its sealed details is refused at ``ERASED``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor, Decision
from sharing.audit import acts
from sharing.clock import day_text
from sharing.errors import InputError, NotFound
from sharing.models import Agency, TriggerApplication
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import CATEGORIES, AppealDecision, Role, ThresholdDecision

#: Who handles applications at the lead agency.
HANDLERS = frozenset({Role.TRIGGER_LEAD, Role.MANAGER})

#: The field an act on an erased application is refused at (recorded as "refused input:
#: erased"): no form has it, so the page says it on its own.
ERASED = "erased"
#: The field a step already taken is refused at when its form is sent again (Back, a
#: second tab): its form is no longer on the page, so the page says it on its own.
ALREADY_DONE = "already done"


def erased_on(application: TriggerApplication) -> date | None:
    """The day the application's personal data was erased, if it was."""
    return clock.day_of(application.erased_at) if application.erased_at else None


def refuse_if_erased(application: TriggerApplication, what: str) -> None:
    """``InputError`` at ``ERASED``, saying ``what`` cannot be done, for an application
    whose personal data was erased: nothing sealed under its key can be read or written."""
    day = erased_on(application)
    if day is not None:
        raise InputError(
            ERASED,
            f"The personal data of application {application.reference} was erased on "
            f"{day_text(day)}: {what}",
        )


def closed_on(application: TriggerApplication) -> date | None:
    """The day the application was closed without a decision or review of its own
    (withdrawn by the applicant, or a duplicate of another), if it was."""
    return clock.day_of(application.closed_at) if application.closed_at else None


def closure(application: TriggerApplication) -> str | None:
    """How the application was closed, in a sentence's words ("withdrawn by the
    applicant", "a duplicate of ASBR-2026-7KQ4MX"); None while it is not."""
    if application.closed_at is None:
        return None
    if application.duplicate_of is not None:
        return f"a duplicate of {application.duplicate_of.reference}"
    return "withdrawn by the applicant"


def refuse_if_closed(application: TriggerApplication, what: str) -> None:
    """``InputError`` at ``ALREADY_DONE``, saying ``what`` cannot be done, for an
    application closed as withdrawn or a duplicate: nothing more is done on it."""
    day = closed_on(application)
    if day is not None:
        raise InputError(
            ALREADY_DONE,
            f"Application {application.reference} was closed on {day_text(day)} as "
            f"{closure(application)}: {what}",
        )


def appeal_in_hand(application: TriggerApplication) -> bool:
    """Whether an appeal is in hand: received, and neither decided nor withdrawn by the
    applicant (an erased or closed application has none)."""
    return (
        application.appeal_received_on is not None
        and application.appeal_decision is None
        and application.appeal_withdrawn_on is None
        and application.erased_at is None
        and application.closed_at is None
    )


#: The appeal body's decisions on a "not met" decision that send it back to the lead to
#: decide again (``sharing.trigger.decided_again``).
SENT_BACK = (AppealDecision.UPHELD, AppealDecision.PARTLY_UPHELD)


def to_decide_again(application: TriggerApplication) -> bool:
    """Whether the threshold is to be decided again: the appeal body upheld, or partly
    upheld, an appeal against the "not met" decision, and the lead has not yet decided
    again (nor was the application erased or closed)."""
    return (
        application.decision is ThresholdDecision.NOT_MET
        and application.first_decided_at is None
        and application.appeal_decision in SENT_BACK
        and application.erased_at is None
        and application.closed_at is None
    )


#: SQL: ``to_decide_again`` (the appeal decision tested for NULL first, so that a
#: negation of a condition holding this is true, not unknown, without one).
TO_DECIDE_AGAIN = and_(
    TriggerApplication.decision == ThresholdDecision.NOT_MET,
    TriggerApplication.first_decided_at.is_(None),
    TriggerApplication.appeal_decision.is_not(None),
    TriggerApplication.appeal_decision.in_(SENT_BACK),
    TriggerApplication.erased_at.is_(None),
    TriggerApplication.closed_at.is_(None),
)
#: How the audit entry of a threshold decision made again begins its basis.
DECIDED_AGAIN_BASIS = "decided again after its appeal"


def decided_again(application: TriggerApplication) -> bool:
    """Whether the threshold was decided again after an appeal (the procedure gives one
    appeal: nothing after it offers another)."""
    return application.first_decided_at is not None


def handling_agency(session: Session, actor: Actor, procedure: Procedure) -> Agency | None:
    """The lead agency, if the actor handles its applications (for a page to decide what
    to offer: nothing is recorded); else None."""
    agency = session.get(Agency, actor.agency_id)
    if agency is None or agency.code != procedure.lead or not actor.has(*HANDLERS):
        return None
    return agency


def lead_agency(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    action: acts.Action,
    application_id: int | None = None,
) -> Agency:
    """The lead agency, if the actor handles its applications; else ``NotAllowed``, the
    attempt to do ``action`` (to the application, if one is named) recorded as refused,
    so the lead's DPO sees any other agency's attempts on the applications."""
    agency = handling_agency(session, actor, procedure)
    if agency is None:
        why = "only the lead agency's Community Trigger leads and managers"
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("trigger_application", application_id),
            reason=why,
        )
    return agency


#: The lead agency's Trigger leads and managers see all of their own applications.
LEAD = Decision(
    allowed=True,
    categories=dict.fromkeys(CATEGORIES, "The lead agency's own Community Trigger application"),
    own_agency=True,
)

#: The application's own sealed details, as recorded (and as a correction may change
#: them); the decision's, the review's, the appeal's and the withdrawal's words follow in
#: ``DETAILS``.
APPLICATION_DETAILS = (
    "victim_given_names",
    "victim_family_name",
    "victim_date_of_birth",
    "victim_phone",
    "victim_email",
    "victim_address",
    "victim_postcode",
    "victim_uprn",
    "problem",
    "applicant_name",
    "applicant_contact",
    "applicant_address",
    "consent_note",
)

DETAILS = (
    *APPLICATION_DETAILS,
    # Asked on the public form and shown to the lead as the applicant said it; the lead's
    # correction of it, and why, beside it (``sharing.trigger.reports``).
    "reported_to",
    "reported_to_corrected",
    "reported_to_reason",
    "decision_reasons",
    "first_decision_reasons",
    "outcome_findings",
    "outcome_next_steps",
    "appeal_reasons",
    "appeal_findings",
    "withdrawal_note",
)


def handled(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    action: acts.Action = acts.Action.TRIGGER_VIEW,
) -> TriggerApplication:
    """The lead agency's application, for the actor to do ``action`` to; ``NotAllowed``
    or ``NotFound``, the refused ``action`` recorded, otherwise."""
    agency = lead_agency(session, actor, procedure, action, application_id)
    application = session.get(TriggerApplication, application_id)
    if application is None or application.lead_agency_id != agency.id:
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("trigger_application", application_id),
            reason="no such application at the lead agency",
            answer=NotFound(application_id),
        )
    return application
