"""Decisions on the demo's escalation prompts: its officers have decided on those raised
more than three weeks ago, at work; the partners holding a share of a case are alerted
of those still waiting, as they would have been when they were raised."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.clock import PARTNERSHIP_ZONE
from sharing.demo import office
from sharing.models import Case, Escalation, Share, User
from sharing.risk.assessments import record_consideration
from sharing.risk.escalation import alert_partners
from sharing.vocabulary import CaseStatus

#: What an officer decided on a prompt.
CONSIDERED_NOTES: tuple[str, ...] = (
    "Case conference held with the police and the council ASB team; no safeguarding referral needed.",
    "Safeguarding referral made; case shared with the police for ASB case management.",
    "Discussed with the ASB manager: the police are already involved; review in two weeks.",
)


def consider_older_escalations(session: Session, rng: random.Random, clock: datetime) -> None:
    """Officers have recorded decisions on prompts raised more than three weeks ago, at
    work a few days after each was raised."""
    older = session.scalars(
        select(Escalation)
        .where(Escalation.raised_at < clock - timedelta(days=21))
        .order_by(Escalation.id)
    ).all()
    for escalation in older:
        case = session.get(Case, escalation.case_id)
        if case is None or case.status is CaseStatus.CLOSED or case.locked:
            continue
        officer = session.get(User, case.officer_id)
        assert officer is not None  # noqa: S101
        record_consideration(
            session,
            authorise(session, Actor.of(officer), case.id, Act.ASSESS_RISK),
            escalation.id,
            rng.choice(CONSIDERED_NOTES),
            now=_at_work_after(escalation.raised_at, rng.randint(1, 5)),
        )


def alert_shared_escalations(session: Session) -> int:
    """The escalations still waiting for their officer's decision alert the partners that
    held a share of the case when they were raised, as they would have: the demo assesses
    risk before it shares cases. Once for escalations raised together. How many alerts."""
    made = 0
    raised: set[tuple[int, datetime]] = set()
    waiting = session.scalars(
        select(Escalation).where(Escalation.considered_at.is_(None)).order_by(Escalation.id)
    ).all()
    for escalation in waiting:
        case = session.get(Case, escalation.case_id)
        if case is None or case.status is CaseStatus.CLOSED:
            continue
        if (case.id, escalation.raised_at) in raised:
            continue
        raised.add((case.id, escalation.raised_at))
        holding = set(
            session.scalars(
                select(Share.agency_id).where(
                    Share.case_id == case.id,
                    Share.revoked_at.is_(None),
                    Share.created_at < escalation.raised_at,
                )
            )
        )
        if holding:
            made += alert_partners(session, case, escalation.raised_at, only=holding)
    return made


def _at_work_after(raised_at: datetime, days: int) -> datetime:
    """``days`` after ``raised_at``, on that working day or the next, at the time of day
    it was raised when that was in office hours, else at ten in the morning."""
    local = raised_at.astimezone(PARTNERSHIP_ZONE)
    day = office.on_or_after(local.date() + timedelta(days=days))
    minute = (local.hour - office.OFFICE_OPENS) * 60 + local.minute
    return office.at_work(day, minute if office.in_office_hours(raised_at) else 60)
