"""What a subject access report gives of each of the agency's cases a person is on,
beyond its summary, incidents, actions and shares: how it was closed, its reviews, the
changes of its priority and the escalations it prompted, its case conferences (the
question and agenda, the partners' answers, the minutes and the decisions), the requests
to lock it, partners' requests for more of it (why, and a reason for declining), the
emergency accesses to it (with their reasons and reviews), and the
documents on it that are not addressed to the person (those that are have a part of the
report of their own), for the data protection officer to check for their data.

They are the case's records and name its people, so they are part of what the person may
ask for (UK GDPR Art. 15); the report's audit entry names the case, and they are read under
the same subject access decision as the rest of it. What to redact (other people's data, or
what the crime exemption covers) is the data protection officer's decision on the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.decide import Decision
from sharing.access.reveal import load_data_keys, reveal, reveal_one
from sharing.audit.subject_held import HeldDocument, document_entry
from sharing.cases import more_ending
from sharing.cases.more_requests import words
from sharing.meetings.requests import PARTS, READ_BACK
from sharing.models import (
    BreakGlass,
    Case,
    CaseReview,
    Conference,
    ConferenceDecision,
    Document,
    InformationRequest,
    LockRequest,
    MoreRequest,
)
from sharing.risk.disclose import EscalationView, TriageChangeView, escalations, triage_changes


@dataclass(frozen=True)
class Closure:
    reason: str | None
    #: Whether the behaviour was resolved, and the main action that resolved it.
    outcome: str | None
    resolved_by: str | None
    note: str | None


@dataclass(frozen=True)
class ReviewEntry:
    reviewed_at: datetime
    decision: str
    #: How the officer was last in touch with the complainant ("By phone, 2 December
    #: 2026"); None: not reached.
    contact: str | None
    contact_note: str | None
    progress: str | None
    risk_note: str | None


@dataclass(frozen=True)
class PartnerAnswer:
    agency: str
    answered_at: datetime
    #: Whether the case or its people are known to the agency (None: not said).
    known: bool | None
    #: (label, text) of each part the agency answered.
    parts: list[tuple[str, str]]


@dataclass(frozen=True)
class MinuteEntry:
    heading: str | None
    discussion: str | None


@dataclass(frozen=True)
class DecisionEntry:
    #: "Legal action: Injunction".
    kind: str
    acting_agency: str | None
    #: (label, text) of what was decided and why.
    parts: list[tuple[str, str]]
    dissenting_agency: str | None
    dissent: str | None


@dataclass(frozen=True)
class ConferenceEntry:
    starts_at: datetime
    status: str
    question: str | None
    agenda: str | None
    answers: list[PartnerAnswer]
    minutes: list[MinuteEntry]
    decisions: list[DecisionEntry]


@dataclass(frozen=True)
class LockEntry:
    requested_at: datetime
    #: "Request to lock it: Safeguarding a staff member (agreed)".
    request: str
    note: str | None


@dataclass(frozen=True)
class MoreEntry:
    asked_at: datetime
    #: "Northshire Police asked for vulnerability (declined)".
    request: str
    why: str | None
    reason: str | None


@dataclass(frozen=True)
class EmergencyEntry:
    started_at: datetime
    #: Whose emergency access: the partner agency.
    agency: str
    reason: str | None
    reviewed_at: datetime | None
    review_note: str | None


@dataclass(frozen=True)
class CaseRecords:
    """The case's records beyond its summary, incidents, actions and shares, oldest
    first; ``closure`` None while it is open."""

    closure: Closure | None
    reviews: list[ReviewEntry]
    #: Oldest first, as the case page shows them (``sharing.risk.disclose``).
    priority_changes: list[TriageChangeView]
    escalations: list[EscalationView]
    conferences: list[ConferenceEntry]
    #: The case's documents not addressed to the person.
    documents: list[HeldDocument]
    lock_requests: list[LockEntry]
    emergency_accesses: list[EmergencyEntry]
    more_requests: list[MoreEntry]


def case_records(
    session: Session,
    case: Case,
    documents: Sequence[Document],
    accesses: Sequence[BreakGlass],
    decision: Decision,
) -> CaseRecords:
    """The records of ``case`` (neither locked nor erased) as the report shows them, with
    ``documents`` and ``accesses``: the case's documents not addressed to the person and
    its emergency accesses, found before the report's entry named them."""
    reviews = session.scalars(
        select(CaseReview)
        .where(CaseReview.case_id == case.id)
        .order_by(CaseReview.reviewed_at, CaseReview.id)
    )
    conferences = session.scalars(
        select(Conference)
        .where(Conference.case_id == case.id)
        .options(
            selectinload(Conference.requests).selectinload(InformationRequest.agency),
            selectinload(Conference.minutes),
            selectinload(Conference.decisions).options(
                selectinload(ConferenceDecision.acting_agency),
                selectinload(ConferenceDecision.dissenting_agency),
            ),
        )
        .order_by(Conference.starts_at, Conference.id)
    )
    locks = session.scalars(
        select(LockRequest)
        .where(LockRequest.case_id == case.id)
        .order_by(LockRequest.requested_at, LockRequest.id)
    )
    more = session.scalars(
        select(MoreRequest)
        .where(MoreRequest.case_id == case.id)
        .order_by(MoreRequest.asked_at, MoreRequest.id)
    )
    load_data_keys(session, {g.data_key_id for g in accesses})
    return CaseRecords(
        closure=_closure(case, decision),
        reviews=[_review(r, decision) for r in reviews],
        priority_changes=list(reversed(triage_changes(session, case, decision))),
        escalations=list(reversed(escalations(session, case, decision))),
        conferences=[_conference(c, decision) for c in conferences],
        documents=[document_entry(d, decision) for d in documents],
        lock_requests=[
            LockEntry(
                requested_at=r.requested_at,
                request=(
                    f"Request to {'unlock' if r.unlock else 'lock'} it: "
                    f"{r.reason.label} ({r.status.label.lower()})"
                ),
                note=reveal_one(decision, r, "note"),
            )
            for r in locks
        ],
        emergency_accesses=[_emergency(g, decision) for g in accesses],
        more_requests=[_more(r, decision) for r in more],
    )


def _more(request: MoreRequest, decision: Decision) -> MoreEntry:
    texts = reveal(decision, request, ("why", "decline_reason"))
    answer = (
        f"ended unanswered: {more_ending.said(request, to_owner=True)}"
        if request.ended_at is not None
        else "waiting for an answer"
        if request.answered_at is None
        else "shared more"
        if request.share_made_id
        else "declined"
    )
    return MoreEntry(
        asked_at=request.asked_at,
        request=f"{request.agency.name} asked for {words(request.asked_for)} ({answer})",
        why=texts["why"],
        reason=texts["decline_reason"],
    )


def _emergency(access: BreakGlass, decision: Decision) -> EmergencyEntry:
    texts = reveal(decision, access, ("reason", "review_note"))
    return EmergencyEntry(
        started_at=access.started_at,
        agency=access.user.agency.name,
        reason=texts["reason"],
        reviewed_at=access.reviewed_at,
        review_note=texts["review_note"],
    )


def _closure(case: Case, decision: Decision) -> Closure | None:
    if case.closed_at is None:
        return None
    return Closure(
        reason=case.closure_reason.said_by(case.agency.type) if case.closure_reason else None,
        outcome=case.closure_outcome.label if case.closure_outcome else None,
        resolved_by=case.resolved_by.label if case.resolved_by else None,
        note=reveal_one(decision, case, "closure_note"),
    )


def _review(review: CaseReview, decision: Decision) -> ReviewEntry:
    texts = reveal(decision, review, ("progress", "risk_note", "contact_note"))
    contact = None
    if review.contact_method is not None:
        on = f", {clock.day_text(review.contacted_on)}" if review.contacted_on else ""
        contact = f"{review.contact_method.label}{on}"
    return ReviewEntry(
        reviewed_at=review.reviewed_at,
        decision=review.decision.label,
        contact=contact,
        contact_note=texts["contact_note"],
        progress=texts["progress"],
        risk_note=texts["risk_note"],
    )


def _conference(conference: Conference, decision: Decision) -> ConferenceEntry:
    texts = reveal(decision, conference, ("question", "agenda"))
    return ConferenceEntry(
        starts_at=conference.starts_at,
        status=conference.status.label,
        question=texts["question"],
        agenda=texts["agenda"],
        answers=[
            _answer(r, r.answered_at, decision)
            for r in conference.requests
            if r.answered_at is not None
        ],
        minutes=[
            MinuteEntry(**reveal(decision, m, ("heading", "discussion")))
            for m in conference.minutes
        ],
        decisions=[_decision(d, decision) for d in conference.decisions],
    )


def _answer(
    request: InformationRequest, answered_at: datetime, decision: Decision
) -> PartnerAnswer:
    opened = reveal(decision, request, tuple(PARTS))
    return PartnerAnswer(
        agency=request.agency.name,
        answered_at=answered_at,
        known=request.known,
        parts=[(READ_BACK[name], text) for name in PARTS if (text := opened[name])],
    )


#: A conference decision's parts, with the labels the conference page gives them.
_DECISION_PARTS = (
    ("decision", "What was decided"),
    ("proportionality", "Proportionality"),
    ("evidence", "Evidence"),
    ("vulnerability", "Vulnerabilities considered"),
)


def _decision(record: ConferenceDecision, decision: Decision) -> DecisionEntry:
    texts = reveal(decision, record, (*(c for c, _ in _DECISION_PARTS), "dissent"))
    kind = record.kind.label
    return DecisionEntry(
        kind=f"{kind}: {record.tool.label}" if record.tool else kind,
        acting_agency=record.acting_agency.name if record.acting_agency else None,
        parts=[(label, text) for column, label in _DECISION_PARTS if (text := texts[column])],
        dissenting_agency=record.dissenting_agency.name if record.dissenting_agency else None,
        dissent=texts["dissent"],
    )
