"""A data protection officer's report of a Community Trigger application their agency
holds as the lead, for its victim or for the person who applied for them (found by
``sharing.audit.subject_access_applications``): the application as recorded, its threshold
decision (and the first one, when an appeal sent it back to be decided again), review,
recommendations, appeal and letters, and every access to it. Writing the report is one
audit entry under the purpose "subject access request", naming ids and counts, written
before any detail is shown; an application of another agency is "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor, Decision, decide_subject_access
from sharing.access.reveal import load_data_keys, reveal, reveal_rows
from sharing.audit import acts, basis_names, reasons
from sharing.audit.log_rows import LogRow, rows
from sharing.audit.subject_access import (
    PURPOSE,
    as_a_day,
    require_subject_dpo,
)
from sharing.audit.subject_access_applications import APPLICANT, VICTIM
from sharing.audit.trail import concerning_application
from sharing.errors import NotFound
from sharing.models import AuditEntry, TriggerApplication, TriggerLetter
from sharing.trigger import letter_days
from sharing.trigger.appeal_words import appeal_said
from sharing.trigger.input_checks import ReportedTo, reports_of


@dataclass(frozen=True)
class RecommendationEntry:
    agency: str
    text: str | None
    due_on: date
    on_appeal: bool
    completed_on: date | None
    completion_note: str | None
    #: The day it was cancelled, not done (made on an appeal the applicant withdrew).
    cancelled_on: date | None = None


@dataclass(frozen=True)
class LetterEntry:
    kind: str
    dated: date
    #: When it was e-mailed; None when it was not (yet): no address, or still waiting.
    emailed_at: datetime | None
    #: Whether an e-mail of it was queued (the applicant gave an address).
    queued: bool
    #: When the lead marked it as posted; None when they did not.
    posted_at: datetime | None = None


@dataclass(frozen=True)
class ApplicationReport:
    application_id: int
    reference: str
    agency: str
    compiled_at: datetime
    received_on: date
    channel: str
    victim_kind: str
    on_behalf: str | None
    consent_recorded: bool
    #: (label, value) of the application as recorded, in order.
    details: list[tuple[str, str | None]]
    decision: str | None
    decided_at: datetime | None
    #: The rules' count when the lead decided (rule ids and counts).
    advice: str | None
    decision_reasons: str | None
    panel: str | None
    panel_sat_at: datetime | None
    outcome_on: date | None
    outcome_findings: str | None
    outcome_next_steps: str | None
    recommendations: list[RecommendationEntry]
    appeal_received_on: date | None
    appeal_reasons: str | None
    appeal_decision: str | None
    appeal_decided_on: date | None
    appeal_findings: str | None
    letters: list[LetterEntry]
    #: Every audit entry about the application, oldest first.
    accesses: list[LogRow]
    #: The day the applicant withdrew the appeal (it ended without a decision).
    appeal_withdrawn_on: date | None = None
    #: Once the threshold was decided again after the appeal: when the first ("not met")
    #: decision was made, and its reasons.
    first_decided_at: datetime | None = None
    first_decision_reasons: str | None = None
    #: Whom the report is for: ``VICTIM``, or ``APPLICANT`` (who applied for them).
    requester: str = VICTIM
    #: What the report leaves out as not the requester's, in words (None: nothing).
    left_out: str | None = None
    #: Who the applicant said they reported the behaviour to, and roughly when (the public
    #: form's last question; the lead's page shows it as the applicant says).
    reported_to: tuple[ReportedTo, ...] = ()
    #: The lead's correction of it (None: never corrected; empty: no one), and why.
    reported_to_corrected: tuple[ReportedTo, ...] | None = None
    reported_to_reason: str | None = None

    @property
    def for_applicant(self) -> bool:
        """Whether the report is for the person who applied for the victim."""
        return self.requester == APPLICANT


_DETAILS = (
    ("Victim's given names", "victim_given_names"),
    ("Victim's surname (or the business's or group's name)", "victim_family_name"),
    ("Date of birth", "victim_date_of_birth"),
    ("Phone", "victim_phone"),
    ("E-mail", "victim_email"),
    ("Address", "victim_address"),
    ("Postcode", "victim_postcode"),
    ("UPRN", "victim_uprn"),
    ("Name of the person applying for the victim", "applicant_name"),
    ("Their contact", "applicant_contact"),
    ("Their postal address", "applicant_address"),
    ("How the victim's consent was given", "consent_note"),
    ("The anti-social behaviour, in the application's words", "problem"),
    ("How and why the applicant withdrew it", "withdrawal_note"),
)
#: What an application records of the victim, left out of the report for the person who
#: applied for them: not the requester's personal data (the victim's own request finds
#: the application by their details).
_THE_VICTIMS = frozenset(
    {
        "victim_given_names",
        "victim_family_name",
        "victim_date_of_birth",
        "victim_phone",
        "victim_email",
        "victim_address",
        "victim_postcode",
        "victim_uprn",
        "consent_note",
    }
)
#: What it records of the person who applied for the victim, left out of the victim's
#: report: how to reach them is theirs (their name stays: who applied for the victim).
_THE_APPLICANTS = frozenset({"applicant_contact", "applicant_address"})
#: What each report leaves out, and how the report says so, by whom the DPO found as
#: the requester.
LEFT_OUT = {
    VICTIM: (
        _THE_APPLICANTS,
        "the contact and postal address of the person who applied for the victim: they "
        "are not the requester's",
    ),
    APPLICANT: (
        _THE_VICTIMS,
        "the victim's name, date of birth, contact, address and how their consent was "
        "given: they are not the requester's (the victim's own request finds the "
        "application by their details)",
    ),
}
#: Who the applicant says they reported it to: the applicant's own account of the
#: application, in both reports (as the behaviour is).
_REPORTED_TO = "reported_to"
#: The lead's correction of it, and why, shown beside it.
_REPORTED_CORRECTED = ("reported_to_corrected", "reported_to_reason")
_FINDINGS = (
    "decision_reasons",
    "first_decision_reasons",
    "outcome_findings",
    "outcome_next_steps",
    "appeal_reasons",
    "appeal_findings",
)


def compile_application_report(
    session: Session,
    actor: Actor,
    application_id: int,
    requester: str = VICTIM,
    *,
    rules: Mapping[str, str] | None = None,
) -> ApplicationReport:
    """The report for a Community Trigger application the DPO's agency holds as the
    lead, for ``requester`` (``VICTIM``, or ``APPLICANT``: the person who applied for
    them): the application as recorded, its threshold decision, review, recommendations,
    appeal and letters, and every access to it; of an application made for the victim,
    the other person's details are left out (``LEFT_OUT``) and the report says so.
    NotFound for any other application. ``rules``: the Community Trigger's threshold rules'
    titles by id, for the log's "why"."""
    require_subject_dpo(session, actor, acts.Action.SUBJECT_ACCESS)
    subject = acts.Subject("trigger_application", application_id)
    application = session.get(TriggerApplication, application_id)
    if (
        application is None
        or application.lead_agency_id != actor.agency_id
        or requester not in LEFT_OUT
        or (requester == APPLICANT and application.on_behalf is None)
    ):
        raise acts.refused(
            session,
            acts.Action.SUBJECT_ACCESS,
            actor=actor,
            subject=subject,
            purpose=PURPOSE,
            reason="no such Community Trigger application in your agency's records",
            answer=NotFound(application_id),
        )
    # The log is read before this report's own entry is written, as for a person's.
    entries = list(
        session.scalars(
            select(AuditEntry)
            .where(concerning_application(session, application.id))
            .order_by(AuditEntry.seq)
        )
    )
    queued = list(
        session.scalars(select(TriggerLetter).where(TriggerLetter.application_id == application.id))
    )
    recommendations = application.recommendations
    acts.record(
        session,
        acts.Action.SUBJECT_ACCESS,
        actor=actor,
        subject=subject,
        purpose=PURPOSE,
        basis=f"Community Trigger application{_for(application, requester)}; recommendations "
        f"{acts.ids([r.id for r in recommendations])}; letters {len(letter_days.reached(application))}",
    )
    load_data_keys(session, {k for k in [application.data_key_id] if k})
    decision = decide_subject_access(actor)
    left_out = LEFT_OUT[requester][0] if application.on_behalf else frozenset()
    shown = [c for _, c in _DETAILS if c not in left_out]
    values = reveal(decision, application, [*shown, _REPORTED_TO, *_REPORTED_CORRECTED, *_FINDINGS])
    if _BORN in values:  # left out of the report for whoever applied for the victim
        values = {**values, _BORN: as_a_day(values[_BORN])}
    accesses = rows(session, entries, actor.agency_id, rules=rules)
    report = _report(session, application, decision, values, queued, accesses)
    return replace(
        report,
        # The rules' count as stored ("three-complaints 2 of 3"), in the procedure's words.
        advice=reasons.in_words(report.advice, basis_names.Names(rules=dict(rules or {}))),
        requester=requester,
        left_out=LEFT_OUT[requester][1] if left_out else None,
        reported_to=tuple(reports_of(values[_REPORTED_TO])),
        reported_to_corrected=(
            tuple(reports_of(values["reported_to_corrected"]))
            if values["reported_to_corrected"] is not None
            else None
        ),
        reported_to_reason=values["reported_to_reason"],
    )


#: The victim's date of birth: written as people write it, as in a person's report.
_BORN = "victim_date_of_birth"


def _for(application: TriggerApplication, requester: str) -> str:
    """Whom the report is for, for its audit entry, when someone applied for the victim."""
    if not application.on_behalf:
        return ""
    if requester == APPLICANT:
        return " for the person who applied for the victim (the victim's details left out)"
    return " for the victim (the applicant's contact left out)"


def _report(
    session: Session,
    application: TriggerApplication,
    decision: Decision,
    values: dict[str, str | None],
    queued: list[TriggerLetter],
    accesses: list[LogRow],
) -> ApplicationReport:
    sitting = application.review_sitting
    by_kind = {letter.kind: letter for letter in queued if not letter.copy}
    copies = sorted((letter for letter in queued if letter.copy), key=lambda x: x.copy)
    texts = reveal_rows(decision, application.recommendations, ("text", "completion_note"))
    return ApplicationReport(
        application_id=application.id,
        reference=application.reference,
        agency=application.lead_agency.name,
        compiled_at=clock.now(),
        received_on=application.received_on,
        channel=application.channel.label,
        victim_kind=application.victim_kind.label,
        on_behalf=application.on_behalf.label if application.on_behalf else None,
        consent_recorded=application.consent_recorded,
        details=[(label, values[column]) for label, column in _DETAILS if column in values],
        decision=application.decision.label if application.decision else None,
        decided_at=application.decided_at,
        advice=application.advice,
        decision_reasons=values["decision_reasons"],
        first_decided_at=application.first_decided_at,
        first_decision_reasons=values["first_decision_reasons"],
        panel=sitting.series.name if sitting else None,
        panel_sat_at=sitting.starts_at if sitting else None,
        outcome_on=application.outcome_on,
        outcome_findings=values["outcome_findings"],
        outcome_next_steps=values["outcome_next_steps"],
        recommendations=[
            RecommendationEntry(
                agency=r.owner_agency.name,
                text=text["text"],
                due_on=r.due_on,
                on_appeal=r.on_appeal,
                completed_on=r.completed_on,
                completion_note=text["completion_note"],
                cancelled_on=r.cancelled_on,
            )
            for r, text in zip(application.recommendations, texts, strict=True)
        ],
        appeal_received_on=application.appeal_received_on,
        appeal_reasons=values["appeal_reasons"],
        appeal_decision=appeal_said(application)["appeal_decision"] or None,
        appeal_decided_on=application.appeal_decided_on,
        appeal_findings=values["appeal_findings"],
        appeal_withdrawn_on=application.appeal_withdrawn_on,
        letters=[
            LetterEntry(
                kind=kind.label,
                dated=dated,
                emailed_at=by_kind[kind].sent_at if kind in by_kind else None,
                queued=kind in by_kind and not by_kind[kind].by_post,
                posted_at=by_kind[kind].posted_at if kind in by_kind else None,
            )
            if entry is None
            else LetterEntry(
                kind=f"{kind.label} (corrected copy)",
                dated=dated,
                emailed_at=entry.sent_at,
                queued=not entry.by_post,
                posted_at=entry.posted_at,
            )
            for kind, dated in letter_days.reached(application)
            for entry in (None, *(c for c in copies if c.kind is kind))
        ],
        accesses=accesses,
    )
