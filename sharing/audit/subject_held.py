"""What else the hub holds about the person of a subject access report, beyond their
record and their cases: their risk assessments, the documents and letters addressed to
them, the referrals made for them and the closure surveys of the cases they complained
on, each on a case of the DPO's agency that is not locked (a locked case is named in the
report, not opened).

The rows are found first, so that the report's audit entry names them before anything
is decrypted; then they are read under the subject access decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sharing.access.decide import Decision
from sharing.access.reveal import reveal, reveal_one
from sharing.audit import acts
from sharing.cases.survey import Survey
from sharing.models import (
    BreakGlass,
    CaseParty,
    ClosureSurvey,
    Document,
    Referral,
    RiskAssessment,
    User,
)
from sharing.risk.disclose import AssessmentView, assessment_view
from sharing.risk.matrix import shipped
from sharing.vocabulary import PartyRole

#: The parts on a case that make someone its complainant, whom the closure survey asks
#: how their complaint was dealt with: the victim and the reporter (those the case's
#: letters are addressed to and the survey is offered to) and a business or community
#: group making the complaint. A witness, the reported person or a member of a household
#: involved made no complaint: the survey's answers are not theirs.
COMPLAINANT_ROLES = (PartyRole.VICTIM, PartyRole.REPORTER, PartyRole.GROUP)


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
class SurveyAnswer:
    #: The question as the survey file words it (its id when the file no longer holds
    #: the version the survey was asked under).
    question: str
    answer: str


@dataclass(frozen=True)
class HeldSurvey:
    reference: str
    #: How it was offered: "By phone: answers recorded now".
    channel: str
    offered_at: datetime
    #: When the answers came (by link, when the complainant answered); None: not answered.
    answered_at: datetime | None
    overall: str | None
    answers: list[SurveyAnswer]
    comment: str | None
    #: How many complainants the case has: the survey is the case's, not one person's, so
    #: with more than one its answers may be another complainant's.
    complainants: int


@dataclass(frozen=True)
class HeldRows:
    """The rows about the person, found before the report is recorded."""

    assessments: Sequence[RiskAssessment]
    documents: Sequence[Document]
    referrals: Sequence[Referral]
    surveys: Sequence[ClosureSurvey]
    #: Case id → how many complainants it has, for the cases of ``surveys``.
    complainants: Mapping[int, int]
    #: The documents on the cases not addressed to the person, which the report lists for
    #: the DPO to check for their data.
    other_documents: Sequence[Document] = ()
    #: The emergency accesses to the cases (their reasons are sealed under keys of their
    #: own, so the entry names them too).
    emergency_accesses: Sequence[BreakGlass] = ()

    def basis(self) -> str:
        """What the report's audit entry names of them: ids only."""
        return (
            f"risk assessments {acts.ids([a.id for a in self.assessments])}; "
            f"documents {acts.ids([d.id for d in self.documents])}; "
            f"referrals {acts.ids([r.id for r in self.referrals])}; "
            f"closure surveys {acts.ids([s.id for s in self.surveys])}; "
            f"other documents {acts.ids([d.id for d in self.other_documents])}; "
            f"emergency accesses {acts.ids([g.id for g in self.emergency_accesses])}"
        )


@dataclass(frozen=True)
class Held:
    assessments: list[HeldAssessment]
    documents: list[HeldDocument]
    referrals: list[HeldReferral]
    surveys: list[HeldSurvey]


def rows_about(session: Session, person_id: int, case_ids: Sequence[int]) -> HeldRows:
    """The person's assessments, documents addressed to them, referrals and the closure
    surveys of the cases they are a complainant on, and the other documents of those
    cases, on the cases ``case_ids`` (the agency's own, neither locked nor erased), oldest
    first."""
    surveys = _surveys(session, person_id, case_ids)
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
        surveys=surveys,
        complainants=_complainants(session, [s.case_id for s in surveys]),
        other_documents=session.scalars(
            select(Document)
            .where(
                Document.case_id.in_(case_ids),
                or_(Document.person_id.is_(None), Document.person_id != person_id),
            )
            .order_by(Document.added_at, Document.id)
        ).all(),
        emergency_accesses=session.scalars(
            select(BreakGlass)
            .where(BreakGlass.case_id.in_(case_ids))
            .options(selectinload(BreakGlass.user).selectinload(User.agency))
            .order_by(BreakGlass.started_at, BreakGlass.id)
        ).all(),
    )


def _surveys(session: Session, person_id: int, case_ids: Sequence[int]) -> list[ClosureSurvey]:
    """The surveys of the cases ``case_ids`` the person is a complainant on."""
    theirs = select(CaseParty.case_id).where(
        CaseParty.person_id == person_id,
        CaseParty.role.in_(COMPLAINANT_ROLES),
        CaseParty.case_id.in_(case_ids),
    )
    return list(
        session.scalars(
            select(ClosureSurvey)
            .where(ClosureSurvey.case_id.in_(theirs))
            .options(selectinload(ClosureSurvey.answers))
            .order_by(ClosureSurvey.recorded_at, ClosureSurvey.id)
        )
    )


def _complainants(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """How many complainants each of the cases has."""
    counted = session.execute(
        select(CaseParty.case_id, func.count(distinct(CaseParty.person_id)))
        .where(CaseParty.case_id.in_(case_ids), CaseParty.role.in_(COMPLAINANT_ROLES))
        .group_by(CaseParty.case_id)
    )
    return {case_id: count for case_id, count in counted}


def read(rows: HeldRows, decision: Decision, survey: Survey | None = None) -> Held:
    """The rows as the report shows them (their keys loaded); ``survey``: the survey
    file, for its questions' words."""
    return Held(
        assessments=[
            HeldAssessment(a.case.reference, assessment_view(a, decision, shipped()))
            for a in rows.assessments
        ],
        documents=[document_entry(d, decision) for d in rows.documents],
        referrals=[_referral(r, decision) for r in rows.referrals],
        surveys=[_survey(s, decision, survey, rows.complainants[s.case_id]) for s in rows.surveys],
    )


def document_entry(document: Document, decision: Decision) -> HeldDocument:
    """A document as the report lists it: its kind, when it was added, its name and what
    the officer said it is (the file itself is with the case's documents)."""
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


def _survey(
    record: ClosureSurvey, decision: Decision, survey: Survey | None, complainants: int
) -> HeldSurvey:
    answered = record.channel.answered or record.answered_at is not None
    return HeldSurvey(
        reference=record.case.reference,
        channel=record.channel.label,
        offered_at=record.recorded_at,
        answered_at=record.answered_when if answered else None,
        overall=record.overall.label if record.overall else None,
        answers=_answers(record, survey),
        comment=reveal_one(decision, record, "comment"),
        complainants=complainants,
    )


def _answers(record: ClosureSurvey, survey: Survey | None) -> list[SurveyAnswer]:
    """Each answer with its question's words, in the survey file's order, when the file
    is the version the survey was asked under; by the question's id otherwise."""
    asked = survey is not None and (survey.id, survey.version) == (
        record.survey_key,
        record.survey_version,
    )
    questions = [(q.id, q.text) for q in survey.questions] if survey and asked else []
    order = {question_id: n for n, (question_id, _) in enumerate(questions)}
    words = dict(questions)
    return [
        SurveyAnswer(words.get(a.question, a.question), a.answer.label)
        for a in sorted(
            record.answers, key=lambda a: (order.get(a.question, len(order)), a.question)
        )
    ]
