"""Community Trigger applications as the lead agency handles them: recording one taken by
phone, letter, e-mail or in person, or sent on the public form; the threshold check across
the relevant bodies; and the lead's decision.

Only the lead agency's Community Trigger leads and managers handle applications
(``sharing.trigger.handling``). Every write is one audit entry naming ids and counts,
never the details. What an application says and how it is checked is
``sharing.trigger.input_checks``; its reference ``sharing.trigger.references``; its
deadlines ``sharing.trigger.deadlines``; the list of applications ``sharing.trigger.listing``;
one application's page ``sharing.trigger.pages``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.models import Agency, TriggerApplication, TriggerBodyCount
from sharing.trigger import complaints, letters, threshold
from sharing.trigger.field_checks import plain_text
from sharing.trigger.handling import (
    ALREADY_DONE,
    DECIDED_AGAIN_BASIS,
    DETAILS,
    LEAD,
    appeal_in_hand,
    handled,
    lead_agency,
    refuse_if_closed,
    refuse_if_erased,
)
from sharing.trigger.input_checks import MAX_REASONS, ApplicationInput, checked
from sharing.trigger.procedure import Procedure
from sharing.trigger.references import new_reference
from sharing.vocabulary import LetterKind, ThresholdDecision, TriggerChannel

#: What is said of a threshold decision not chosen.
DECISION_NEEDED = "Select whether the threshold is met"


def record_application(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    data: ApplicationInput,
    *,
    now: datetime | None = None,
    codes: random.Random | None = None,
) -> TriggerApplication:
    """Record an application the lead received. Refused with the field and reason,
    nothing written and the refusal audited, for: no date or one in the future, no
    channel, no victim's name, a third party without the victim's consent recorded, a
    postcode or UPRN that is not one, markup, or text too long. ``codes`` draws its
    reference's code (the system's randomness when None; the demo passes its seeded one,
    so that the same seed builds the same demo)."""
    agency = lead_agency(session, actor, procedure, acts.Action.TRIGGER_RECORD)
    return _create(session, procedure, agency, data, actor, now or clock.now(), codes=codes)


def submit_online(
    session: Session,
    procedure: Procedure,
    data: ApplicationInput,
    *,
    sent_with: str | None = None,
    now: datetime | None = None,
    codes: random.Random | None = None,
) -> TriggerApplication:
    """An application made on the public form (no account): received today, online, for
    the procedure's lead agency. Refused, and the refusal audited, as ``record_application``
    refuses. ``sent_with`` is the token of the "check your answers" page it was sent from:
    that page sent again (a double click, Back and send) is the application already made,
    with nothing more recorded or sent, even when the two sends race. ``codes`` draws its
    reference's code, as ``record_application``'s."""
    now = now or clock.now()
    if sent_with is not None and (earlier := _sent_with(session, sent_with)) is not None:
        return earlier
    agency = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    if agency is None:
        raise NotFound(procedure.lead)
    online = replace(data, received_on=clock.day_of(now), channel=TriggerChannel.ONLINE.value)
    return _create(session, procedure, agency, online, None, now, sent_with=sent_with, codes=codes)


def partnership_agencies(session: Session, procedure: Procedure) -> list[tuple[str, str]]:
    """The agencies of the lead's partnership, each as its code and its name (public: the
    police, the council's teams, the housing providers), for an applicant to say which
    they reported the behaviour to. None when the lead is not in the directory."""
    lead = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    if lead is None:
        return []
    agencies = select(Agency).where(Agency.area_id == lead.area_id).order_by(Agency.name)
    return [(agency.code, agency.name) for agency in session.scalars(agencies)]


def _sent_with(session: Session, token: str) -> TriggerApplication | None:
    return session.scalar(select(TriggerApplication).where(TriggerApplication.sent_with == token))


def refuse_online(session: Session, fields: list[str]) -> None:
    """Record that the public form refused its answers at ``fields`` (names only)."""
    acts.refuse(
        session,
        acts.Action.TRIGGER_RECORD,
        actor=None,
        subject=acts.Subject("trigger_application"),
        reason=f"refused input: {', '.join(dict.fromkeys(fields))}",
    )


def _create(
    session: Session,
    procedure: Procedure,
    agency: Agency,
    data: ApplicationInput,
    actor: Actor | None,
    now: datetime,
    *,
    sent_with: str | None = None,
    codes: random.Random | None = None,
) -> TriggerApplication:
    with acts.refusing_input(
        session,
        acts.Action.TRIGGER_RECORD,
        actor=actor,
        subject=acts.Subject("trigger_application"),
    ):
        values, choices = checked(data, now)
    received_on = data.received_on or clock.day_of(now)
    application = TriggerApplication(
        reference=new_reference(session, received_on, codes),
        lead_agency_id=agency.id,
        procedure_key=procedure.id,
        procedure_version=procedure.version,
        received_on=data.received_on,
        recorded_by_id=actor.user_id if actor else None,
        recorded_at=now,
        consent_recorded=data.consent_recorded,
        sent_with=sent_with,
        **choices,
    )
    added = _added(session, application, lambda: new_reference(session, received_on, codes))
    if added is not application:
        return added
    seal_many(application, values)
    session.flush()
    letters.queue(session, application, LetterKind.ACKNOWLEDGEMENT, values, now)
    acts.record(
        session,
        acts.Action.TRIGGER_RECORD,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"channel {application.channel.value}; "
        + ("on behalf, consent recorded" if application.on_behalf else "by the victim"),
    )
    return application


def _added(
    session: Session, application: TriggerApplication, redraw: Callable[[], str]
) -> TriggerApplication:
    """``application`` added; or the application sent from the same page meanwhile, once
    that send has ended (the page's token is taken). Its reference drawn again
    (``redraw``) when another application recorded at the same moment drew the same one
    and saved it first: both saw it free, neither having saved; the references' unique
    constraint keeps the second from having it, and the applicant still gets one."""
    while True:
        savepoint = session.begin_nested()
        try:
            session.add(application)
            session.flush()  # waits here while the same page's send, or reference, is saved
        except IntegrityError:
            savepoint.rollback()
            if application.sent_with and (earlier := _sent_with(session, application.sent_with)):
                return earlier
            if not _reference_taken(session, application.reference):
                raise
            application.reference = redraw()
            continue
        savepoint.commit()
        return application


def _reference_taken(session: Session, reference: str) -> bool:
    taken = select(TriggerApplication.id).where(TriggerApplication.reference == reference)
    return session.scalar(taken) is not None


def may_ask(application: TriggerApplication) -> bool:
    """Whether the agencies holding the counted complaints may be asked to confirm them
    and bring their cases to the review panel: before the threshold decision (their
    confirming is part of it) and once it is met, not once it is not met (there is no
    review to bring them to), nor once it is closed as withdrawn or a duplicate, nor once
    the review's outcome went (the panel has finished: asking then would send holders to a
    review that is over) unless an appeal is being heard."""
    return (
        application.decision is not ThresholdDecision.NOT_MET
        and application.closed_at is None
        and (application.outcome_on is None or appeal_being_heard(application))
    )


def appeal_being_heard(application: TriggerApplication) -> bool:
    """An appeal received and neither decided nor withdrawn."""
    return appeal_in_hand(application)


def advice_for(
    session: Session,
    procedure: Procedure,
    application: TriggerApplication,
    details: dict[str, str | None],
) -> tuple[threshold.Advice, complaints.Gathered]:
    dob = details["victim_date_of_birth"]
    applicant = complaints.Applicant(
        family_name=details["victim_family_name"] or "",
        date_of_birth=date.fromisoformat(dob) if dob else None,
        phone=details["victim_phone"] or "",
        postcode=details["victim_postcode"] or "",
        uprn=details["victim_uprn"] or "",
        address=details["victim_address"] or "",
    )
    gathered = complaints.gather(session, procedure, application.lead_agency.area_id, applicant)
    return threshold.assess(gathered.complaints, procedure, application.received_on), gathered


def summary(advice: threshold.Advice) -> str:
    """Each counting rule's count, for the audit log and the decision record."""
    return "; ".join(
        f"{r.rule.id} {r.found} of {r.needed}" for r in advice.rules if r.needed is not None
    )


def decide(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    decision: str,
    reasons: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """The lead's threshold decision, with reasons, recorded once with the rules' advice
    (counts only). "Met by discretion" needs the procedure to allow it. Refused with the
    field and reason, nothing written, the refusal audited."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # sent twice at once: the second waits, then sees it
    with acts.refusing_input(
        session,
        acts.Action.TRIGGER_DECIDE,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
    ):
        refuse_if_erased(application, "the threshold can no longer be checked or decided")
        refuse_if_closed(application, "no threshold decision is made on it")
        if application.decision is not None:
            raise InputError(
                ALREADY_DONE, "The threshold decision is already recorded. Nothing was changed."
            )
        chosen, text = decision_given(procedure, decision, reasons)
    record_decision(session, actor, procedure, application, chosen, text, now=now)
    return application


def decision_given(
    procedure: Procedure, decision: str, reasons: str
) -> tuple[ThresholdDecision, str]:
    """The decision chosen and its reasons as given, or ``InputError`` at the field:
    none chosen, "met by discretion" where the procedure has no discretion, no reasons or
    reasons too long."""
    chosen = ThresholdDecision.of(decision)
    if chosen is None:
        raise InputError("decision", DECISION_NEEDED)
    if chosen is ThresholdDecision.DISCRETION and not any(
        r.kind == "discretion" for r in procedure.rules
    ):
        raise InputError("decision", "The area's procedure has no discretion to review")
    text = plain_text(
        "reasons",
        reasons,
        MAX_REASONS,
        what="the reasons for the decision",
        required="Give the reasons for the decision",
    )
    return chosen, text


def record_decision(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    chosen: ThresholdDecision,
    reasons: str,
    *,
    now: datetime | None,
    letter: LetterKind = LetterKind.THRESHOLD,
) -> None:
    """Record ``chosen`` as the application's decision, with its reasons and the rules'
    advice as the relevant bodies' records stand (each body's complaints counted replace
    any counted before), in one audit entry, and queue the ``letter`` telling the
    applicant."""
    details = reveal(LEAD, application, DETAILS)
    advice, gathered = advice_for(session, procedure, application, details)
    now = now or clock.now()
    application.decision = chosen
    application.advice = summary(advice)[:500]
    met = [r.rule.id for r in advice.rules if r.met]
    if chosen is ThresholdDecision.DISCRETION:
        met += [r.id for r in procedure.rules if r.kind == "discretion"]
    application.rules_met = ",".join(met)[:200] or None
    application.decided_at = now
    application.decided_by_id = actor.user_id
    seal_many(application, {"decision_reasons": reasons})
    session.execute(
        delete(TriggerBodyCount).where(TriggerBodyCount.application_id == application.id)
    )
    counted = {c.id for r in advice.rules for c in r.counted}
    for agency_id, count in complaints.complaints_by_agency(gathered, counted).items():
        session.add(
            TriggerBodyCount(application_id=application.id, agency_id=agency_id, complaints=count)
        )
    session.flush()
    again = f"{DECIDED_AGAIN_BASIS}; " if letter is LetterKind.DECIDED_AGAIN else ""
    acts.record(
        session,
        acts.Action.TRIGGER_DECIDE,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"{again}{chosen.value}; advice {'met' if advice.met else 'not met'}: "
        f"{application.advice}",
    )
    details["decision_reasons"] = reasons
    letters.queue(session, application, letter, details, now)
