"""Recording Risk Assessment Matrix assessments on a case, changes of its harm-centred
triage, and the officer's decision on an escalation prompt.

Each function checks everything before writing anything, asks ``sharing.access.decide`` whether
the actor may record on the case, writes the act and its audit entry, and flushes; the
caller commits. A refusal names the field it is about.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import first_contact, reviews
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError, NotFound
from sharing.formats import (
    checked_text,
    has_control_characters,
    tidied,
    too_long,
    with_control_characters,
)
from sharing.models import Case, Escalation, RiskAssessment, TriageChange
from sharing.risk.acts import audit
from sharing.risk.escalation import escalate
from sharing.risk.matrix import Matrices, Matrix
from sharing.vocabulary import (
    AssessmentStage,
    EscalationReason,
    PartyRole,
    Priority,
    RiskBand,
    Triage,
)

#: Days from one assessment to the next review, unless the settings say otherwise.
DEFAULT_REVIEW_DAYS = 28
#: Who on a case may be assessed: the matrix is for victims, witnesses and complainants.
ASSESSED_ROLES = frozenset({PartyRole.VICTIM, PartyRole.WITNESS, PartyRole.REPORTER})
MAX_REASON = 2000


class AssessmentError(InputError):
    """Every problem with an assessment, as (field, message); the first is the error's."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(*problems[0])
        self.problems = problems


def refused_fields(problems: list[tuple[str, str]]) -> str:
    """An assessment refused for its input as its audit entry says it: the fields named,
    each once (a question by its id), never what was answered."""
    return acts.input_refused(sorted({field for field, _ in problems}))


@dataclass
class AssessmentInput:
    person_id: int | None
    stage: AssessmentStage | None
    #: The matrix version the answers were given to (carried by the form).
    matrix_version: int | None
    answers: dict[str, str] = field(default_factory=dict)
    #: The officer's band, if they move it from the score's; None keeps the score's.
    band: RiskBand | None = None
    adjustment_reason: str = ""
    support_needs: str = ""


def assessable(case: Case) -> dict[int, PartyRole]:
    """Person id → part, for the people on a case who may be assessed."""
    found: dict[int, PartyRole] = {}
    for party in case.parties:
        if party.role in ASSESSED_ROLES:
            found.setdefault(party.person_id, party.role)
    return found


def check_assessment(
    case: Case, data: AssessmentInput, matrices: Matrices
) -> tuple[Matrix, list[tuple[str, str]]]:
    """The matrix the answers are for, and every problem with the input (none: valid)."""
    matrix = matrices.current
    problems: list[tuple[str, str]] = []
    if data.person_id is None or data.person_id not in assessable(case):
        problems.append(
            ("person_id", "Select the victim, witness or reporter on this case to assess")
        )
    if data.stage is None:
        problems.append(("stage", "Select the stage of the case this assessment is for"))
    if data.matrix_version is None:
        problems.append(
            (
                "version",
                "These answers do not say which version of the Risk Assessment Matrix they "
                f"answer: answer the questions of version {matrix.version} again",
            )
        )
        return matrix, problems
    if data.matrix_version != matrix.version:
        problems.append(
            (
                "version",
                f"The Risk Assessment Matrix has changed to version {matrix.version} since "
                f"these answers were given (to version {data.matrix_version}): answer the "
                "questions again",
            )
        )
        return matrix, problems
    problems += matrix.problems(data.answers)
    if not problems:
        score_band = matrix.band_for(matrix.score(data.answers))
        reason = tidied(data.adjustment_reason)
        if data.band is not None and data.band is not score_band and not reason:
            problems.append(
                (
                    "adjustment_reason",
                    f"Give the reason for changing the band from {score_band.label.lower()} "
                    f"(from the score) to {data.band.label.lower()}",
                )
            )
    for name, what, value in (
        ("adjustment_reason", "the reason for changing the band", data.adjustment_reason),
        ("support_needs", "the support and protection needed", data.support_needs),
    ):
        if len(text := tidied(value)) > MAX_REASON:
            problems.append((name, too_long(what, MAX_REASON, len(text))))
        if has_control_characters(value):
            problems.append((name, with_control_characters(what)))
    return matrix, problems


def latest(session: Session, case_id: int, person_id: int) -> RiskAssessment | None:
    return session.scalar(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case_id, RiskAssessment.person_id == person_id)
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
    )


def record_assessment(
    session: Session,
    authorised: AuthorisedCase,
    data: AssessmentInput,
    *,
    matrices: Matrices,
    review_days: int = DEFAULT_REVIEW_DAYS,
    now: datetime | None = None,
) -> RiskAssessment:
    """Record an assessment of a person on a case the actor works, set the next review,
    and escalate when it rises to high. AssessmentError lists every problem, before
    anything is written."""
    case, actor = authorised.case, authorised.actor
    authorised.require(Act.ASSESS_RISK)
    matrix, problems = check_assessment(case, data, matrices)
    if problems:
        raise acts.refused(
            session,
            acts.Action.RISK_RECORD,
            actor=actor,
            subject=authorised.subject,
            reason=refused_fields(problems),
            answer=AssessmentError(problems),
        )
    assert data.person_id is not None  # noqa: S101 - checked above
    assert data.stage is not None  # noqa: S101 - checked above
    now = now or clock.now()
    read_for_change(session, case)  # assessed twice at once: the second rises from the first
    previous = latest(session, case.id, data.person_id)
    score = matrix.score(data.answers)
    score_band = matrix.band_for(score)
    band = data.band or score_band
    assessment = RiskAssessment(
        case=case,
        person_id=data.person_id,
        matrix_key=matrix.key,
        matrix_version=matrix.version,
        stage=data.stage,
        score=score,
        score_band=score_band,
        band=band,
        assessed_at=now,
        assessed_by_id=actor.user_id,
    )
    session.add(assessment)
    for column, category in (("risk_answers", "risk"), ("vulnerability_answers", "vulnerability")):
        answers = {q.id: data.answers[q.id] for q in matrix.questions if q.category == category}
        seal(assessment, column, json.dumps(answers, sort_keys=True) if answers else None)
    seal(
        assessment,
        "adjustment_reason",
        tidied(data.adjustment_reason) if band is not score_band else None,
    )
    seal(assessment, "support_needs", tidied(data.support_needs))
    case.risk_review_due_on = clock.day_of(now) + timedelta(days=review_days)
    first = first_contact.record(session, case, clock.day_of(now))
    audit(
        session,
        actor,
        acts.Action.RISK_RECORD,
        object_type="case",
        object_id=case.id,
        basis=f"assessment {assessment.id} of person {assessment.person_id}; own agency; "
        "categories risk, vulnerability"
        + (f"; first contact {clock.day_of(now)}" if first else ""),
    )
    if band is RiskBand.HIGH and (previous is None or previous.band is not RiskBand.HIGH):
        escalate(session, case, EscalationReason.HIGH_RISK, assessment_id=assessment.id, now=now)
    session.flush()
    return assessment


#: What a triage form is opened on: a change of either refuses a form opened before it.
TRIAGE = ("priority", "triage")


def triage_stamp(session: Session, authorised: AuthorisedCase) -> str:
    """The stamp of the case's priority and triage, for the form that changes them."""
    return stamps.of(session, authorised.case, only=TRIAGE)


def change_triage(
    session: Session,
    authorised: AuthorisedCase,
    *,
    priority: Priority | None,
    triage: Triage | None,
    reason: str,
    now: datetime | None = None,
    case_review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
    opened: str | None = None,
) -> TriageChange:
    """Change a case's harm-centred priority or triage, recording who, when and why. A
    change of priority makes the risk assessments due for review at once, and brings the
    case's review forward to at most the new priority's interval in ``case_review_days``
    from today (never later than it was). ``ChangedMeanwhile``, naming who changed it and
    when, if the triage changed after the form was opened (its stamp ``opened``): a
    priority raised meanwhile is never lowered by a form that did not show it."""
    case, actor = authorised.case, authorised.actor
    authorised.require(Act.ASSESS_RISK)
    try:
        stamps.check(session, opened, case, only=TRIAGE)
    except ChangedMeanwhile:
        last = session.scalars(
            select(TriageChange)
            .where(TriageChange.case_id == case.id)
            .order_by(TriageChange.changed_at.desc(), TriageChange.id.desc())
        ).first()
        acts.refuse(
            session,
            acts.Action.TRIAGE_CHANGE,
            actor=actor,
            subject=authorised.subject,
            reason="refused input: changed meanwhile",
        )
        if last is None:
            raise
        raise ChangedMeanwhile(last.changed_at, last.changed_by.display_name) from None
    with acts.refusing_input(
        session, acts.Action.TRIAGE_CHANGE, actor=actor, subject=authorised.subject
    ):
        text = _checked_triage(case, priority, triage, reason)
    assert priority is not None  # noqa: S101 - checked above
    assert triage is not None  # noqa: S101 - checked above
    now = now or clock.now()
    change = TriageChange(
        case=case,
        changed_at=now,
        changed_by_id=actor.user_id,
        priority_from=case.priority,
        priority_to=priority,
        triage_from=case.triage,
        triage_to=triage,
    )
    session.add(change)
    seal(change, "reason", text)
    if priority is not case.priority:
        today = clock.day_of(now)
        case.risk_review_due_on = today
        latest = today + timedelta(days=reviews.interval(case_review_days, priority))
        if case.review_due_on is None or case.review_due_on > latest:
            case.review_due_on = latest
    case.priority, case.triage = priority, triage
    audit(
        session,
        actor,
        acts.Action.TRIAGE_CHANGE,
        object_type="case",
        object_id=case.id,
        basis=f"triage change {change.id}; own agency; categories risk",
    )
    session.flush()
    return change


def _checked_triage(
    case: Case, priority: Priority | None, triage: Triage | None, reason: str
) -> str | None:
    """The reason for a change of triage, checked with the change: ``InputError`` at the
    first field that is not right."""
    if priority is None:
        raise InputError("priority", "Select the priority")
    if triage is None:
        raise InputError("triage", "Select how serious the report is")
    if priority is case.priority and triage is case.triage:
        raise InputError(
            "priority", "Change the priority or how serious the report is, or go back to the case"
        )
    return checked_text(
        "reason",
        reason,
        limit=MAX_REASON,
        what="the reason",
        required="Say why you are changing the triage",
    )


def escalation_on(session: Session, authorised: AuthorisedCase, escalation_id: int) -> Escalation:
    """The escalation prompt, if it is on the authorised case; ``NotFound`` otherwise
    (recorded as refused: the same whether it does not exist or is another case's)."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or escalation.case_id != authorised.case.id:
        raise acts.refused(
            session,
            acts.Action.ESCALATION_DECIDE,
            actor=authorised.actor,
            subject=authorised.subject,
            reason=f"no such escalation {escalation_id} on the case",
            answer=NotFound(escalation_id),
        )
    return escalation


def record_consideration(
    session: Session,
    authorised: AuthorisedCase,
    escalation_id: int,
    note: str,
    now: datetime | None = None,
) -> Escalation:
    """The officer records what they decided on an escalation prompt (``NotFound`` for
    one that is not on the case)."""
    actor = authorised.actor
    authorised.require(Act.ASSESS_RISK)
    escalation = escalation_on(session, authorised, escalation_id)
    read_for_change(session, escalation)  # decided twice at once: the second waits, then sees it
    with acts.refusing_input(
        session,
        acts.Action.ESCALATION_DECIDE,
        actor=actor,
        subject=authorised.subject,
        what=f"escalation {escalation.id}",
    ):
        if escalation.considered_at is not None:
            raise InputError("note", "A decision on this prompt has already been recorded")
        text = checked_text(
            "note",
            note,
            limit=MAX_REASON,
            what="the note",
            required="Say what you decided about the escalation",
        )
    escalation.considered_at = now or clock.now()
    escalation.considered_by_id = actor.user_id
    seal(escalation, "decision_note", text)
    audit(
        session,
        actor,
        acts.Action.ESCALATION_DECIDE,
        object_type="case",
        object_id=authorised.case.id,
        basis=f"escalation {escalation.id}; own agency; categories actions",
    )
    session.flush()
    return escalation
