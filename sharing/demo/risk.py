"""The demo's risk work: Risk Assessment Matrix assessments of victims (several bands,
rising and falling), some with the officer's judgement recorded, a few triage changes,
and decisions on older escalation prompts. Recorded through the risk services as the
cases' own officers, at times before today, from a random source of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.clock import day_of
from sharing.demo import first_contacts, office
from sharing.demo.escalations import consider_older_escalations
from sharing.models import Case, User
from sharing.risk.assessments import AssessmentInput, change_triage, record_assessment
from sharing.risk.matrix import Matrix, shipped
from sharing.vocabulary import (
    AgencyType,
    AssessmentStage,
    CaseStatus,
    PartyRole,
    Priority,
    RiskBand,
    Triage,
)

#: Why an officer moved a band away from the score's: each pair says why it was raised
#: above the score's band, then why it was lowered below it.
ADJUSTMENT_REASONS: tuple[tuple[str, str], ...] = (
    (
        "Score understates the risk: the victim has stopped leaving the flat after dark; "
        "raised on judgement.",
        "Score overstates the risk: the victim is staying with family while the door is "
        "repaired; lowered on judgement.",
    ),
    (
        "The reported person has made threats to others in the block; raised on judgement.",
        "The reported person is on bail not to contact the victim; lowered on judgement.",
    ),
    (
        "Raised: the reported person has moved back in and incidents have started again.",
        "Lowered: the reported person has moved out and incidents have stopped.",
    ),
    (
        "Raised: the victim's carer has stopped visiting, which leaves them alone.",
        "Lowered: the victim's carer is now staying with them, which reduces the risk.",
    ),
)
RISK_SUPPORT: tuple[str, ...] = (
    "Video doorbell and extra locks; weekly reassurance call.",
    "Referral to victim support and tenancy sustainment.",
    "Safeguarding referral made; joint visit with the PCSO.",
    "Reassurance visit every fortnight; diary sheets provided.",
    "Referral to mediation once the threats have stopped.",
    "Priority repairs to the door; contact through their support worker.",
)
TRIAGE_REASONS: tuple[str, ...] = (
    "Threats of violence made at the victim's door; raised to red.",
    "Incidents now nightly and the victim is frightened to go out.",
)


#: The agencies whose officers assess their cases' victims in ``assess_cases``.
ASSESSING = (AgencyType.LANDLORD, AgencyType.ENVIRONMENTAL_HEALTH, AgencyType.COMMUNITY_SAFETY)


@dataclass(frozen=True)
class RiskSummary:
    assessments: int
    triage_changes: int


def _answers(rng: random.Random, matrix: Matrix, level: float) -> dict[str, str]:
    """Answers leaning to the high-scoring options as ``level`` (0 to 1) rises."""
    answers = {}
    for question in matrix.questions:
        ranked = sorted(question.options, key=lambda o: o.score)
        index = min(len(ranked) - 1, max(0, round(level * (len(ranked) - 1) + rng.uniform(-1, 1))))
        answers[question.id] = ranked[index].value
    return answers


def assess_cases(session: Session, clock: datetime, seed: int) -> RiskSummary:
    """Assess the victims of the landlords', environmental health's and the council's open
    cases: every red case, and about a third of the amber ones, whose complainant was
    reached in the working days the acknowledgement promises (the officer assesses them at
    that first contact, 000: "at the outset"), then some reviewed at later stages, all at
    work. The police keep theirs as a working team does (``assess_police_cases``)."""
    rng = random.Random(seed * 31 + 7)
    reviewing = random.Random(seed * 41 + 13)  # its own: the assessments above stay as they are
    matrix = shipped().current
    cases = session.scalars(
        select(Case)
        .where(Case.status != CaseStatus.CLOSED, Case.locked.is_(False))
        .order_by(Case.id)
    ).all()
    made = changed = 0
    for case in cases:
        if case.agency.type not in ASSESSING:
            continue
        red = case.priority is not Priority.AMBER
        if not red and rng.random() > 0.35:
            continue
        victims = [
            p.person_id for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER)
        ]
        if not victims:
            continue
        officer = session.get(User, case.officer_id)
        assert officer is not None  # noqa: S101 - every case has its officer
        actor = Actor.of(officer)
        times = _assessment_times(case, seed, clock)
        made_here, changed_here = _assess(session, rng, matrix, actor, case, victims[0], times, red)
        if made_here:  # a case not yet assessed is not reviewed
            made_here += _review_if_due(session, reviewing, matrix, actor, case, victims[0], clock)
        made += made_here
        changed += changed_here
    made += assess_police_cases(session, clock, seed)
    consider_older_escalations(session, rng, clock)
    return RiskSummary(made, changed)


#: Of the police's assessed cases, how many are past their review at the demo's today
#: (one or two), and how many fall due within the week after it.
POLICE_OVERDUE = 2
POLICE_DUE_SOON = 3


def assess_police_cases(session: Session, clock: datetime, seed: int) -> int:
    """The neighbourhood policing team's assessments of the victims of its open cases
    (those locked included: their officers are named on them), as a working team keeps
    them: every red case and most amber ones assessed at first contact, within a day or
    two of the report, and reviewed about every four weeks since, so that most reviews
    are due in the coming weeks, ``POLICE_DUE_SOON`` within the week and
    ``POLICE_OVERDUE`` past their date. The number of assessments made."""
    rng = random.Random(seed * 37 + 11)
    matrix = shipped().current
    cases = [
        case
        for case in session.scalars(
            select(Case)
            .where(Case.status != CaseStatus.CLOSED, Case.agency.has(type=AgencyType.POLICE))
            .order_by(Case.id)
        )
        if _victim(case) is not None and (case.priority is not Priority.AMBER or rng.random() < 0.7)
    ]
    # Only a case reported more than six weeks ago can have had a review fall due since.
    older = [c for c in cases if (clock - c.opened_at).days > 42]
    late = rng.sample(older, min(POLICE_OVERDUE, len(older)))
    rest = [c for c in older if c not in late]
    soon = rng.sample(rest, min(POLICE_DUE_SOON, len(rest)))
    made = 0
    for case in cases:
        # The review is due 28 days after the latest: 2 to 12 days ago, in 1 to 5 days, or
        # in 9 to 26 days (the hours before midnight put the latest on the day before).
        days_ago = (
            rng.randint(30, 40)
            if case in late
            else rng.randint(22, 26)
            if case in soon
            else rng.randint(1, 18)
        )
        latest = clock - timedelta(days=days_ago, hours=rng.randint(2, 10))
        made += _review_every_four_weeks(session, rng, matrix, case, latest, clock)
    return made


#: Of the cases ``assess_cases`` assessed that are past their risk review, the share whose
#: officers have reviewed it since (the rest are the few overdue a team carries).
REVIEWED_SINCE = 0.85


def _review_if_due(
    session: Session,
    rng: random.Random,
    matrix: Matrix,
    actor: Actor,
    case: Case,
    person_id: int,
    clock: datetime,
) -> int:
    """Review the victim's risk at work in the last three weeks, on or after the day it
    fell due, when the case's last assessment had fallen due for review, as its officer
    would have, most times (``REVIEWED_SINCE``): a working team's home page lists a few
    reviews past their date, not most of them. The number of assessments made (0 or 1)."""
    due = case.risk_review_due_on
    if due is None or due >= clock.date() or rng.random() > REVIEWED_SINCE:
        return 0
    day = office.on_or_after(max(clock.date() - timedelta(days=rng.randint(1, 20)), due))
    if day >= clock.date():  # fell due after the last working day: not reviewed yet
        return 0
    when = office.at_work(day, 30 * rng.randint(2, 10))  # between ten and two
    level = rng.uniform(0.3, 0.7) if case.priority is not Priority.AMBER else rng.uniform(0.05, 0.4)
    updated_at = max(case.updated_at, when)
    record_assessment(
        session,
        authorise(session, actor, case.id, Act.ASSESS_RISK),
        AssessmentInput(
            person_id=person_id,
            stage=AssessmentStage.REVIEW,
            matrix_version=matrix.version,
            answers=_answers(rng, matrix, level),
            support_needs=rng.choice(RISK_SUPPORT) if rng.random() < 0.8 else "",
        ),
        matrices=shipped(),
        now=when,
    )
    case.updated_at = updated_at  # set last, so the real clock never has the final word
    return 1


def _victim(case: Case) -> int | None:
    """The person a case's risk assessment is of: its first victim or reporter."""
    return next(
        (p.person_id for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER)),
        None,
    )


def _review_every_four_weeks(
    session: Session,
    rng: random.Random,
    matrix: Matrix,
    case: Case,
    latest: datetime,
    clock: datetime,
) -> int:
    """Assess the case's victim at first contact, then about every four weeks up to
    ``latest`` (none after ``clock``), as its officer; the number made."""
    first = case.opened_at + timedelta(hours=rng.randint(2, 40))
    if first >= clock:
        first = case.opened_at + (clock - case.opened_at) / 2
    times = [first]
    while times[-1] + timedelta(days=31) < latest:
        times.append(times[-1] + timedelta(days=rng.randint(24, 28), minutes=rng.randint(-90, 90)))
    if latest > times[-1] + timedelta(days=3):
        times.append(latest)
    person_id = _victim(case)
    assert person_id is not None  # noqa: S101 - only cases with a victim are assessed
    officer = session.get(User, case.officer_id)
    assert officer is not None  # noqa: S101 - every case has its officer
    actor = Actor.of(officer)
    red = case.priority is not Priority.AMBER
    level = rng.uniform(0.35, 0.8) if red else rng.uniform(0.05, 0.4)
    updated_at = max(case.updated_at, times[-1])  # before a flush stamps the real clock
    for n, when in enumerate(times):
        if n:
            level = min(max(level + rng.uniform(-0.15, 0.1), 0.0), 1.0)
        record_assessment(
            session,
            authorise(session, actor, case.id, Act.ASSESS_RISK),
            AssessmentInput(
                person_id=person_id,
                stage=AssessmentStage.INITIAL if n == 0 else AssessmentStage.REVIEW,
                matrix_version=matrix.version,
                answers=_answers(rng, matrix, level),
                support_needs=rng.choice(RISK_SUPPORT) if rng.random() < 0.8 else "",
            ),
            matrices=shipped(),
            now=when,
        )
    # Set last, so the real clock (the column's onupdate) never has the final word.
    case.updated_at = updated_at
    return len(times)


def _assessment_times(case: Case, seed: int, clock: datetime) -> list[datetime]:
    """When the case's officer assesses its victim: first at first contact, when that was
    made by the working day the acknowledgement promised (a complainant not reached then
    is not assessed), then reviewed at each later stage, about every four weeks (the
    matrix's review date), on working days in office hours; none from ``clock`` on. Drawn from a random source of
    the case's own."""
    contact = first_contacts.planned(case, seed)
    due = case.first_contact_due_on
    if contact is None or due is None or day_of(contact.at) > due or contact.at >= clock:
        return []
    timing = random.Random(f"{seed}-risk-times-{case.id}")
    times = [contact.at - timedelta(minutes=10)]  # then the review recording the contact
    for _ in range(2):
        day = office.on_or_after(day_of(times[-1]) + timedelta(days=timing.randint(21, 35)))
        times.append(office.at_work(day, timing.randint(15, 450)))
    return [when for when in times if when < clock]


def _assess(
    session: Session,
    rng: random.Random,
    matrix: Matrix,
    actor: Actor,
    case: Case,
    person_id: int,
    times: list[datetime],
    red: bool,
) -> tuple[int, int]:
    """Assess the victim at the first of ``times`` and review or record a change at as many
    of the rest as the case had stages (one to three); how many assessments and changes of
    triage were made."""
    stages = rng.choice((1, 1, 2, 3))
    level = rng.uniform(0.3, 0.75) if red else rng.uniform(0.05, 0.4)
    drift = rng.choice((-0.2, -0.1, 0.1, 0.2))
    made = changed = 0
    updated_at = case.updated_at
    for n, when in enumerate(times[:stages]):
        if n == 1 and case.priority is Priority.AMBER and level + drift > 0.55:
            planned = case.review_due_on
            change_triage(
                session,
                authorise(session, actor, case.id, Act.ASSESS_RISK),
                priority=Priority.RED_HIGH,
                triage=Triage.SERIOUS,
                reason=rng.choice(TRIAGE_REASONS),
                now=when - timedelta(minutes=1),
            )
            # The plan's review date is the one after the reviews the change brought on.
            case.review_due_on = planned
            changed += 1
        answers = _answers(rng, matrix, min(max(level + drift * n, 0.0), 1.0))
        score_band = matrix.band_for(matrix.score(answers))
        band: RiskBand | None = None
        reason = ""
        if rng.random() < 0.12:
            band = RiskBand.HIGH if score_band is not RiskBand.HIGH else RiskBand.MEDIUM
            raised, lowered = rng.choice(ADJUSTMENT_REASONS)
            reason = raised if band is RiskBand.HIGH else lowered
        record_assessment(
            session,
            authorise(session, actor, case.id, Act.ASSESS_RISK),
            AssessmentInput(
                person_id=person_id,
                stage=AssessmentStage.INITIAL
                if n == 0
                else rng.choice((AssessmentStage.REVIEW, AssessmentStage.CHANGE)),
                matrix_version=matrix.version,
                answers=answers,
                band=band,
                adjustment_reason=reason,
                support_needs=rng.choice(RISK_SUPPORT) if rng.random() < 0.8 else "",
            ),
            matrices=shipped(),
            now=when,
        )
        made += 1
        updated_at = max(updated_at, when)
    # Set last, so the real clock (the column's onupdate) never has the final word.
    case.updated_at = updated_at
    return made, changed
