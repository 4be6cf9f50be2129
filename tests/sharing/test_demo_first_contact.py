"""The demo's first contact with complainants reads as a working team's (the demo built
for this run, on whatever day it runs): most contacted by the working day the
acknowledgement letter promises, some after it, a few never; the partnership's figures
say so; each first contact recorded by its officer in office hours on a working day, by
a review or a risk assessment, as the hub defines it."""

from __future__ import annotations

import statistics
from datetime import time

from sqlalchemy import select

from sharing import clock
from sharing.crypto.sealing import unseal
from sharing.figures.first_contacts import KEPT, LATE, NOT_MADE, state
from sharing.models import Case, CaseReview, RiskAssessment
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import CaseStatus, ClosureReason


def _states(cases: list[Case]) -> dict[str | None, list[Case]]:
    today = clock.today()
    found: dict[str | None, list[Case]] = {}
    for case in cases:
        closed = clock.day_of(case.closed_at) if case.closed_at else None
        which = state(case.first_contact_due_on, case.first_contact_on, closed, today)
        found.setdefault(which, []).append(case)
    return found


def test_most_complainants_are_contacted_by_the_day_promised_some_late_a_few_never(
    demo_session,
) -> None:
    cases = demo_session.scalars(select(Case).order_by(Case.id)).all()
    states = _states(cases)
    kept, late, never = (len(states.get(key, [])) for key in (KEPT, LATE, NOT_MADE))
    due = kept + late + never
    assert due > 200
    assert 0.75 <= kept / due <= 0.95  # the landlords' usual 80-95%, give or take
    assert late >= 5
    assert 1 <= never <= due / 10
    closed = [c for c in cases if c.status is CaseStatus.CLOSED]
    closed_states = _states(closed)
    assert len(closed_states.get(KEPT, [])) > len(closed) * 2 / 3  # closed cases too
    assert closed_states.get(NOT_MADE)  # a few closed without reaching the complainant
    days = [
        (c.first_contact_on - clock.day_of(c.opened_at)).days for c in cases if c.first_contact_on
    ]
    assert statistics.median(days) <= 7  # within the five working days


def test_a_case_closed_as_the_reporter_not_engaging_is_the_likeliest_never_reached(
    demo_session,
) -> None:
    closed = demo_session.scalars(select(Case).where(Case.status == CaseStatus.CLOSED)).all()
    never = _states(closed).get(NOT_MADE, [])
    engaging = [c for c in closed if c.closure_reason is not ClosureReason.NOT_ENGAGING]
    not_engaging = [c for c in closed if c.closure_reason is ClosureReason.NOT_ENGAGING]
    assert all(c.first_contact_on is not None for c in closed if c not in never)
    if not_engaging and engaging:
        share = sum(c in never for c in not_engaging) / len(not_engaging)
        assert share >= sum(c in never for c in engaging) / len(engaging)


def test_each_first_contact_is_a_review_or_an_assessment_made_in_office_hours(
    demo_session,
) -> None:
    """First contact is the earlier of the first assessment and the first review that
    reached the complainant; the demo's own reviews of first contact are made by the
    case's officer on a working day in office hours, before the case closed."""
    calendar = england_and_wales()
    for case in demo_session.scalars(select(Case).where(Case.first_contact_on.is_not(None))):
        assessed = demo_session.scalar(
            select(RiskAssessment.assessed_at)
            .where(RiskAssessment.case_id == case.id)
            .order_by(RiskAssessment.assessed_at)
            .limit(1)
        )
        reviewed = demo_session.scalar(
            select(CaseReview.contacted_on)
            .where(CaseReview.case_id == case.id, CaseReview.contacted_on.is_not(None))
            .order_by(CaseReview.contacted_on)
            .limit(1)
        )
        days = [d for d in (assessed and clock.day_of(assessed), reviewed) if d is not None]
        assert case.first_contact_on == min(days), case.reference
        assert case.first_contact_on >= clock.day_of(case.opened_at)
        if case.closed_at is not None:
            assert case.first_contact_on <= clock.day_of(case.closed_at)
    first_reviews = [
        review
        for review in demo_session.scalars(select(CaseReview).order_by(CaseReview.id))
        if unseal(review, "progress").startswith("Initial contact:")
    ]
    assert len(first_reviews) > 200
    for review in first_reviews:
        case = review.case
        made = review.reviewed_at.astimezone(clock.PARTNERSHIP_ZONE)
        assert review.contacted_on == case.first_contact_on == made.date(), case.reference
        assert review.reviewed_by_id == case.officer_id
        assert review.reviewed_at > case.opened_at
        assert time(9) <= made.time() <= time(17), case.reference
        assert calendar.is_working_day(made.date()), case.reference
        if case.closed_at is not None:
            assert review.reviewed_at < case.closed_at
