"""How the demo's closed cases ended: whether the behaviour was resolved (from the
procedure's reason for closing) and the main action that resolved it (the latest action
done on the case, in HouseMark's list); and the complainant's satisfaction survey at
closure, offered by the case officer the next working day: answered in person or by
phone, or given a link to answer online (most answered it three days later), more
satisfied where the behaviour stopped; declined by some, and some not reached. A
dissatisfied complainant's follow-up action is done by the agency's manager ten days
after the survey (the next working day when that is a weekend or a bank holiday), when
that has happened by today."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import survey as surveys
from sharing.cases.closing_actions import close_action
from sharing.demo import office
from sharing.demo.plan import CasePlan
from sharing.models import Case
from sharing.vocabulary import (
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    Intervention,
    PartyRole,
    Satisfaction,
)

SURVEY = Path(__file__).resolve().parents[2] / "config" / "closure-survey.toml"
#: Reasons for closing that mean the behaviour stopped.
RESOLVED_REASONS = frozenset(
    {
        ClosureReason.RESOLVED,
        ClosureReason.IMPROVED,
        ClosureReason.INTERVENTIONS_SUCCESSFUL,
        ClosureReason.NO_REPORTS_28_DAYS,
    }
)
#: How the survey was offered: (channel, weight).
CHANNELS = (
    ("in_person", 25),
    ("phone", 25),
    ("link", 15),
    ("declined", 20),
    ("unreachable", 15),
)
#: A link is answered (by most) this many days after it was given.
LINK_ANSWERED_AFTER = timedelta(days=3)
#: The ways of offering it that record answers at once.
ANSWERED = ("in_person", "phone")
#: Answers where the behaviour stopped, and where it did not: (answer, weight).
ANSWERS = {
    ClosureOutcome.RESOLVED: (
        (Satisfaction.VERY_SATISFIED, 40),
        (Satisfaction.FAIRLY_SATISFIED, 35),
        (Satisfaction.NEITHER, 12),
        (Satisfaction.FAIRLY_DISSATISFIED, 8),
        (Satisfaction.VERY_DISSATISFIED, 5),
    ),
    ClosureOutcome.NOT_RESOLVED: (
        (Satisfaction.VERY_SATISFIED, 10),
        (Satisfaction.FAIRLY_SATISFIED, 25),
        (Satisfaction.NEITHER, 20),
        (Satisfaction.FAIRLY_DISSATISFIED, 25),
        (Satisfaction.VERY_DISSATISFIED, 20),
    ),
}


def ending(plan: CasePlan) -> tuple[ClosureOutcome, Intervention | None]:
    """Whether a planned closure resolved the behaviour, and the main action that did."""
    if plan.closure_reason not in RESOLVED_REASONS:
        return ClosureOutcome.NOT_RESOLVED, None
    done = [a.kind for a in plan.actions if a.status is ActionStatus.DONE]
    mapped = [i for i in (Intervention.of_action(kind) for kind in reversed(done)) if i]
    return ClosureOutcome.RESOLVED, mapped[0] if mapped else Intervention.PERPETRATOR_VISIT


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def survey_closures(session: Session, today: date, seed: int) -> int:
    """Offer the survey on every closed case with a complainant; how many were offered."""
    survey = surveys.load_survey(SURVEY)
    rng = random.Random(f"{seed}-closure-surveys")
    offered = 0
    for case in session.scalars(
        select(Case).where(Case.status == CaseStatus.CLOSED).order_by(Case.id)
    ):
        if case.closed_at is None or case.closure_outcome is None:
            continue
        if not any(p.role in (PartyRole.VICTIM, PartyRole.REPORTER) for p in case.parties):
            continue
        asked_on = office.on_or_after(clock.day_of(case.closed_at) + timedelta(days=1))
        if asked_on >= today:
            continue
        channel = str(_pick(rng, CHANNELS))
        weights = ANSWERS[case.closure_outcome]
        answers = {q.id: str(_pick(rng, weights)) for q in survey.questions}
        officer = Actor.of(case.officer)
        with clock.pinned(_at(asked_on, 11)) as now:
            authorised = authorise(session, officer, case.id, Act.CLOSE)
            if channel == "link":
                recorded, token = surveys.offer_link(session, authorised, survey, now=now)
            else:
                recorded = surveys.record_survey(
                    session,
                    authorised,
                    survey,
                    surveys.SurveyInput(
                        channel=channel, answers=answers if channel in ANSWERED else {}
                    ),
                    now=now,
                )
        answered_on = asked_on + LINK_ANSWERED_AFTER
        if channel == "link":
            if answered_on < today and rng.random() < 0.7:
                with clock.pinned(_at(answered_on, 20)) as now:
                    surveys.answer_online(session, survey, token, answers, now=now)
            else:
                # A link nobody has (the officer's e-mail is not part of the demo), from
                # the seed, so the same seed and day give the same database.
                recorded.link_hash = hashlib.sha256(f"{seed}-{case.id}".encode()).hexdigest()
        offered += 1
        followed_on = office.on_or_after(asked_on + timedelta(days=10))
        if recorded.follow_up is not None and followed_on < today:
            manager = next(iter(notices.managers(session, case.agency_id)), None)
            if manager is not None:
                with clock.pinned(_at(followed_on, 15)) as now:
                    close_action(
                        session,
                        Actor.of(manager),
                        recorded.follow_up.id,
                        done=True,
                        note="Called the complainant, apologised and explained what was done.",
                        now=now,
                    )
    return offered
