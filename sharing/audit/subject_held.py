"""What else the hub holds about the person of a subject access report, beyond their
record and their cases: their risk assessments, the documents and letters addressed to
them, and the referrals made for them, each on a case of the DPO's agency that is not
locked (a locked case is named in the report, not opened).

The rows are found first, so that the report's audit entry names them before anything
is decrypted; then they are read under the subject access decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Decision
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.models import Document, Referral, RiskAssessment
from sharing.risk.disclose import AssessmentView, assessment_view
from sharing.risk.matrix import shipped


@dataclass(frozen=True)
class HeldAssessment:
    reference: str
    view: AssessmentView


@dataclass(frozen=True)
class HeldDocument:
    reference: str
    kind: str
    added_at: datetime
    #: A produced letter: "We have received your report (standard), 5 December 2026".
    description: str | None
    name: str | None


@dataclass(frozen=True)
class HeldReferral:
    reference: str
    kind: str
    referred_at: datetime
    reason: str | None
    outcome: str | None
    outcome_at: datetime | None
    outcome_note: str | None


@dataclass(frozen=True)
class HeldRows:
    """The rows about the person, found before the report is recorded."""

    assessments: Sequence[RiskAssessment]
    documents: Sequence[Document]
    referrals: Sequence[Referral]

    def basis(self) -> str:
        """What the report's audit entry names of them: ids only."""
        return (
            f"risk assessments {acts.ids([a.id for a in self.assessments])}; "
            f"documents {acts.ids([d.id for d in self.documents])}; "
            f"referrals {acts.ids([r.id for r in self.referrals])}"
        )


@dataclass(frozen=True)
class Held:
    assessments: list[HeldAssessment]
    documents: list[HeldDocument]
    referrals: list[HeldReferral]


def rows_about(session: Session, person_id: int, case_ids: Sequence[int]) -> HeldRows:
    """The person's assessments, documents addressed to them and referrals, on the cases
    ``case_ids`` (the agency's own, not locked), oldest first."""
    return HeldRows(
        assessments=session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.person_id == person_id, RiskAssessment.case_id.in_(case_ids))
            .order_by(RiskAssessment.assessed_at, RiskAssessment.id)
        ).all(),
        documents=session.scalars(
            select(Document)
            .where(Document.person_id == person_id, Document.case_id.in_(case_ids))
            .order_by(Document.added_at, Document.id)
        ).all(),
        referrals=session.scalars(
            select(Referral)
            .where(Referral.person_id == person_id, Referral.case_id.in_(case_ids))
            .order_by(Referral.referred_at, Referral.id)
        ).all(),
    )


def read(rows: HeldRows, decision: Decision) -> Held:
    """The rows as the report shows them (their keys loaded)."""
    return Held(
        assessments=[
            HeldAssessment(a.case.reference, assessment_view(a, decision, shipped()))
            for a in rows.assessments
        ],
        documents=[_document(d, decision) for d in rows.documents],
        referrals=[_referral(r, decision) for r in rows.referrals],
    )


def _document(document: Document, decision: Decision) -> HeldDocument:
    texts = reveal(decision, document, ("description", "name"))
    return HeldDocument(
        reference=document.case.reference,
        kind=document.kind.label,
        added_at=document.added_at,
        description=texts["description"],
        name=texts["name"],
    )


def _referral(referral: Referral, decision: Decision) -> HeldReferral:
    texts = reveal(decision, referral, ("reason", "outcome_note"))
    return HeldReferral(
        reference=referral.case.reference,
        kind=referral.kind.label,
        referred_at=referral.referred_at,
        reason=texts["reason"],
        outcome=referral.outcome.label if referral.outcome else None,
        outcome_at=referral.outcome_at,
        outcome_note=texts["outcome_note"],
    )
