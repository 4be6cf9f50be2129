"""The demo's case reviews: each open case whose first review has come has one review,
made by its officer one review interval before the review the case now waits for (so
that date is the one the review set), or on the next working day when that is a weekend
or a bank holiday (on the last before, due again a review interval later, when the next
is today), in touch with the complainant by phone, in person or by e-mail on a working
day or two before, or, now and then, not reached; the risk unchanged unless an
assessment was made since the case opened and before the review; the action plan's
progress in a line. Its own random numbers, so the rest of the demo is the same with or
without it."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import review_checks, reviews
from sharing.demo import office
from sharing.demo.timeline import FIRST_REVIEW_AFTER
from sharing.models import Case
from sharing.vocabulary import AgencyType, CaseStatus, ContactMethod, ReviewDecision

PROGRESS = (
    "Warning letter delivered and discussed with the reported tenant, who agreed to keep "
    "noise down after eleven; diary sheets show two quieter weeks.",
    "Mediation offered to both households; the complainant has agreed, the other side is "
    "still thinking about it. Police patrols asked for at weekends.",
    "Visited the reported person with a support worker; referral for tenancy support made. "
    "The complainant reports fewer incidents but is still worried.",
    "No new incidents since the acceptable behaviour contract was signed; keeping it under "
    "review and checking in with the complainant every fortnight.",
)
#: What an agency other than a landlord writes instead of a landlord's progress (by its
#: place in ``PROGRESS``), by its type ("others": any but a landlord): no tenant, and
#: environmental health's own work on a noise case.
NOT_A_LANDLORDS_PROGRESS: dict[int, dict[str, str]] = {
    0: {
        "environmental_health": "Informal warning letter delivered and discussed with the "
        "occupier, who agreed to keep noise down after eleven; diary sheets show two quieter "
        "weeks.",
        "others": "Warning letter delivered and discussed with the reported person, who "
        "agreed to keep noise down after eleven; diary sheets show two quieter weeks.",
    },
    2: {
        "environmental_health": "Out-of-hours visit: loud music witnessed from the "
        "complainant's bedroom; noise monitoring equipment installed. The complainant "
        "reports fewer incidents but is still worried.",
        "others": "Visited the reported person with a support worker; referral for support "
        "made. The complainant reports fewer incidents but is still worried.",
    },
    3: {
        "environmental_health": "No new incidents since the community protection warning; "
        "keeping it under review and checking in with the complainant every fortnight.",
    },
}
NOT_REACHED = "Phoned twice and wrote; no answer yet. Will try a visit this week."
NO_CHANGE = "No new incidents of a different kind and no change in circumstances."


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), clock.PARTNERSHIP_ZONE).astimezone(UTC)


def _in_own_words(progress: str, agency_type: AgencyType) -> str:
    """``progress`` (one of ``PROGRESS``) as an agency of ``agency_type`` writes it."""
    if agency_type is AgencyType.LANDLORD:
        return progress
    words = NOT_A_LANDLORDS_PROGRESS.get(PROGRESS.index(progress), {})
    return words.get(agency_type.value) or words.get("others") or progress


def review_cases(session: Session, today: date, seed: int) -> int:
    """Record the open cases' last reviews; how many were recorded."""
    rng = random.Random(f"{seed}-case-reviews")
    recorded = 0
    for case in session.scalars(
        select(Case).where(Case.status != CaseStatus.CLOSED).order_by(Case.id)
    ):
        if case.review_due_on is None or case.erased_at is not None:
            continue
        days = reviews.interval(reviews.DEFAULT_DAYS, case.priority)
        day = case.review_due_on - timedelta(days=days)
        opened = clock.day_of(case.opened_at)
        if day <= opened + timedelta(days=FIRST_REVIEW_AFTER) or day >= today:
            continue  # not yet due for its first review
        next_review_on = case.review_due_on
        day = office.on_or_after(day)  # reviewed at work, a little sooner than due again
        if day >= today:  # the last working day before, the next review due as far after
            day = office.on_or_before(day - timedelta(days=1))
            next_review_on = day + timedelta(days=days)
        if day <= opened + timedelta(days=FIRST_REVIEW_AFTER):
            continue
        reached = rng.random() > 0.1
        method = rng.choice([ContactMethod.PHONE, ContactMethod.IN_PERSON, ContactMethod.EMAIL])
        with clock.pinned(_at(day, 15)) as now:
            authorised = authorise(session, Actor.of(case.officer), case.id, Act.RECORD)
            linked = review_checks.assessments_to_link(session, case, day)
            reviews.record_review(
                session,
                authorised,
                review_checks.ReviewInput(
                    contact_method=method if reached else None,
                    contacted_on=office.on_or_before(day - timedelta(days=rng.randint(0, 2)))
                    if reached
                    else None,
                    contact_note="" if reached else NOT_REACHED,
                    progress=_in_own_words(rng.choice(PROGRESS), case.agency.type),
                    assessment_id=linked[0].id if linked else None,
                    risk_note="" if linked else NO_CHANGE,
                    decision=ReviewDecision.CONTINUE,
                    next_review_on=next_review_on,
                ),
                reviews.DEFAULT_DAYS,
                now=now,
            )
        recorded += 1
    return recorded
