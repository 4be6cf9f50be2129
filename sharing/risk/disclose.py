"""What a user may see of risk: a case's assessments, triage history and escalations, and
the victims whose risk is shared with their agency.

Like ``sharing.cases.pages``: each takes the decision that let the actor in and opens only
the values whose category it allows (``sharing.access.reveal``). Bands, scores and dates
are plain columns, but they are shown only when the decision allows "risk". The risk
section of a case page is recorded in the page's own audit entry.

A case's risk is that of the people on it now: someone taken off the case keeps their
assessments in its history, but no longer counts in its highest current risk, its risk
reviews due, the risk shared with partners or the figures (``of_someone_on_the_case``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, selectinload

from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Decision
from sharing.access.reveal import load_data_keys, reveal, reveal_one
from sharing.cases import people_shown
from sharing.formats import other_names
from sharing.models import Case, CaseParty, Escalation, Person, RiskAssessment, TriageChange
from sharing.risk.escalation import police_hold_it, to_consider
from sharing.risk.matrix import Matrices
from sharing.vocabulary import Priority, RiskBand


@dataclass(frozen=True)
class AnswerView:
    number: int
    section: str
    question: str
    answer: str
    score: int
    #: The data category it is sealed and shared under (question 11, health, sits in the
    #: support section but is vulnerability).
    category: str = "risk"


@dataclass(frozen=True)
class AssessmentView:
    id: int
    assessed_at: datetime
    assessed_by: str
    stage: str
    matrix_version: int
    #: The matrix's total; None when some answers are withheld from the reader, since the
    #: total less the answers they see would tell them the withheld ones.
    score: int | None
    score_band: RiskBand
    band: RiskBand
    adjusted: bool
    adjustment_reason: str | None
    support_needs: str | None
    #: The answers the decision allows, in question order (others left out).
    answers: tuple[AnswerView, ...] = ()
    #: Some answers were left out: their category is not shared with the user.
    answers_withheld: bool = False


@dataclass(frozen=True)
class PersonRisk:
    person_id: int
    role: str
    #: The person's name when the decision allows identity; None otherwise.
    name: str | None
    #: Newest first.
    history: tuple[AssessmentView, ...]
    #: Whether they are on the case now (someone taken off keeps their history here, but
    #: no longer counts in the case's risk).
    on_case: bool = True
    #: When their record was erased (None: it was not); their name then reads "Erased".
    erased_at: datetime | None = None
    #: The other names they are also known by, each (name, what it is: "" for no note),
    #: where the decision allows identity and their record stands; none otherwise.
    other_names: tuple[tuple[str, str], ...] = ()

    @property
    def latest(self) -> AssessmentView:
        return self.history[0]

    @property
    def trend(self) -> str:
        """Rising, falling or steady since the assessment before; "first" for one. A
        reader not given the scores is told only that the band is the same: the score may
        have moved within it, so "steady" would not be true."""
        if len(self.history) < 2:
            return "first assessment"
        now, before = self.history[0], self.history[1]
        if now.band.rank != before.band.rank:
            return "rising" if now.band.rank > before.band.rank else "falling"
        if now.score is None or before.score is None:
            return "same band as before"
        if now.score != before.score:
            return "rising" if now.score > before.score else "falling"
        return "steady"


@dataclass(frozen=True)
class TriageChangeView:
    changed_at: datetime
    changed_by: str
    priority_from: Priority
    priority_to: Priority
    triage_from: str
    triage_to: str
    reason: str | None


@dataclass(frozen=True)
class EscalationView:
    id: int
    reason: str
    raised_at: datetime
    considered_at: datetime | None
    considered_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class CaseRisk:
    """What the user may see of a case's risk."""

    decision: Decision
    #: The decision allows "risk": bands, scores, history and support needs.
    shown: bool
    people: tuple[PersonRisk, ...] = ()
    risk_review_due_on: date | None = None
    triage_changes: tuple[TriageChangeView, ...] = ()
    escalations: tuple[EscalationView, ...] = ()
    #: What an open escalation asks the officer to consider (``escalation.to_consider``).
    to_consider: str = ""

    @property
    def highest(self) -> RiskBand | None:
        """The highest latest band of the people on the case now."""
        bands = [p.latest.band for p in self.people if p.on_case]
        return max(bands, key=lambda b: b.rank) if bands else None

    @property
    def open_escalations(self) -> list[EscalationView]:
        return [e for e in self.escalations if e.considered_at is None]


#: How a person's part reads once they are no longer on the case.
TAKEN_OFF = "Taken off the case"


def of_someone_on_the_case() -> ColumnElement[bool]:
    """SQL: the assessment is of someone on its case now. An assessment of someone taken
    off the case stays in its history but counts no more in the case's risk."""
    return exists().where(
        CaseParty.case_id == RiskAssessment.case_id,
        CaseParty.person_id == RiskAssessment.person_id,
    )


def assessment_view(
    assessment: RiskAssessment, decision: Decision, matrices: Matrices
) -> AssessmentView:
    """One assessment as ``decision`` lets its reader see it: the answers of the categories
    it gives, with the matrix's words for them."""
    matrix = matrices.version(assessment.matrix_version)
    answers: dict[str, str] = {}
    withheld = False
    for column, category in (("risk_answers", "risk"), ("vulnerability_answers", "vulnerability")):
        if not decision.allows(category):
            withheld = withheld or getattr(assessment, column) is not None
            continue
        value = reveal_one(decision, assessment, column)
        if value and value.startswith("{"):
            answers.update(json.loads(value))
    shown: list[AnswerView] = []
    for question in matrix.questions if matrix else ():
        option = question.option(answers.get(question.id, ""))
        if option is not None:
            shown.append(
                AnswerView(
                    question.number,
                    question.section,
                    question.text,
                    option.label,
                    option.score,
                    question.category,
                )
            )
    texts = reveal(decision, assessment, ("adjustment_reason", "support_needs"))
    return AssessmentView(
        id=assessment.id,
        assessed_at=assessment.assessed_at,
        assessed_by=assessment.assessed_by.display_name,
        stage=assessment.stage.label,
        matrix_version=assessment.matrix_version,
        score=None if withheld else assessment.score,
        score_band=assessment.score_band,
        band=assessment.band,
        adjusted=assessment.adjusted,
        adjustment_reason=texts["adjustment_reason"],
        support_needs=texts["support_needs"],
        answers=tuple(shown),
        answers_withheld=withheld,
    )


def _name(person: Person, decision: Decision) -> str | None:
    """The person's name as the case page gives it (someone erased named once, as erased),
    or none where the decision does not show who people are."""
    if not decision.allows("identity"):
        return None
    return people_shown.name(decision, person, reveal(decision, person, people_shown.NAME_PARTS))


def _other_names(person: Person, decision: Decision) -> tuple[tuple[str, str], ...]:
    if not decision.allows("identity") or person.erased_at is not None:
        return ()
    return tuple(other_names(reveal_one(decision, person, "other_names")))


def _people(
    session: Session, case: Case, decision: Decision, matrices: Matrices
) -> tuple[PersonRisk, ...]:
    assessments = session.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id)
        .options(selectinload(RiskAssessment.assessed_by), selectinload(RiskAssessment.person))
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
    ).all()
    load_data_keys(
        session,
        {k for k in [case.data_key_id, *(a.person.data_key_id for a in assessments)] if k},
    )
    return person_risks(case, assessments, decision, matrices)


def person_risks(
    case: Case, assessments: Iterable[RiskAssessment], decision: Decision, matrices: Matrices
) -> tuple[PersonRisk, ...]:
    """Each person's assessments on the case (given newest first, their keys loaded), as
    the decision lets its reader see them."""
    by_person: dict[int, list[RiskAssessment]] = defaultdict(list)
    for assessment in assessments:
        by_person[assessment.person_id].append(assessment)
    roles = {p.person_id: p.role.label for p in case.parties}
    return tuple(
        PersonRisk(
            person_id=person_id,
            role=roles.get(person_id, TAKEN_OFF),
            name=_name(found[0].person, decision),
            history=tuple(assessment_view(a, decision, matrices) for a in found),
            on_case=person_id in roles,
            erased_at=found[0].person.erased_at,
            other_names=_other_names(found[0].person, decision),
        )
        for person_id, found in by_person.items()
    )


def case_risk(session: Session, authorised: AuthorisedCase, matrices: Matrices) -> CaseRisk:
    """The risk section of a case page, as the decision that let the actor in allows."""
    case, decision = authorised.case, authorised.decision
    if not decision.allows("risk") or case.erased_at is not None:
        # An erased case's assessments stay for its figures, not to be read beside the
        # people it kept for other cases (their risk is on those cases).
        return CaseRisk(decision, shown=False)
    people = _people(session, case, decision, matrices)
    return CaseRisk(
        decision=decision,
        shown=True,
        people=people,
        risk_review_due_on=case.risk_review_due_on,
        triage_changes=triage_changes(session, case, decision),
        escalations=escalations(session, case, decision) if decision.own_agency else (),
        to_consider=to_consider(
            case, shared_with_police=decision.own_agency and police_hold_it(session, case)
        ),
    )


def triage_changes(
    session: Session, case: Case, decision: Decision
) -> tuple[TriageChangeView, ...]:
    """The changes of the case's priority and triage, newest first, each with its reason
    as ``decision`` reveals it."""
    changes = session.scalars(
        select(TriageChange)
        .where(TriageChange.case_id == case.id)
        .options(selectinload(TriageChange.changed_by))
        .order_by(TriageChange.changed_at.desc())
    )
    return tuple(
        TriageChangeView(
            changed_at=c.changed_at,
            changed_by=c.changed_by.display_name,
            priority_from=c.priority_from,
            priority_to=c.priority_to,
            triage_from=c.triage_from.label,
            triage_to=c.triage_to.label,
            reason=reveal_one(decision, c, "reason"),
        )
        for c in changes
    )


def escalations(session: Session, case: Case, decision: Decision) -> tuple[EscalationView, ...]:
    """The escalations the case prompted, newest first, each with what the officer decided
    as ``decision`` reveals it (the owning agency's own record)."""
    found = session.scalars(
        select(Escalation)
        .where(Escalation.case_id == case.id)
        .options(selectinload(Escalation.considered_by))
        .order_by(Escalation.raised_at.desc())
    )
    return tuple(
        EscalationView(
            id=e.id,
            reason=e.reason.label,
            raised_at=e.raised_at,
            considered_at=e.considered_at,
            considered_by=e.considered_by.display_name if e.considered_by else None,
            decision_note=reveal_one(decision, e, "decision_note"),
        )
        for e in found
    )


def assessable_people(session: Session, case: Case, decision: Decision) -> list[tuple[int, str]]:
    """(person id, "Name (victim)") for the people of a case the owner may assess."""
    parties = session.scalars(
        select(CaseParty)
        .where(CaseParty.case_id == case.id)
        .options(selectinload(CaseParty.person))
        .order_by(CaseParty.id)
    ).all()
    return [
        (
            p.person_id,
            f"{_name(p.person, decision) or 'Name not recorded'} ({p.role.label.lower()})",
        )
        for p in parties
        if p.role.value != "reported"
    ]
