"""A case review names as its risk only an assessment made before it: the demo's reviews,
as partners read them on the case page ("A new risk assessment of …"), never name one
made after the review, and a review recorded on a day offers no assessment made later."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.cases import review_checks
from sharing.models import CaseReview, RiskAssessment


def test_no_demo_review_names_an_assessment_made_after_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    named = demo_session.execute(
        select(CaseReview.case_id, CaseReview.reviewed_at, RiskAssessment.assessed_at).join(
            RiskAssessment, RiskAssessment.id == CaseReview.assessment_id
        )
    ).all()
    assert named  # the demo's reviews do name assessments
    later = [(case_id, r, a) for case_id, r, a in named if a > r]
    assert later == []


def test_a_review_offers_no_assessment_made_after_the_moment_it_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    assessment = demo_session.scalars(
        select(RiskAssessment).order_by(RiskAssessment.assessed_at.desc())
    ).first()
    case = assessment.case
    before = assessment.assessed_at - timedelta(hours=1)
    with clock.pinned(before):
        offered = review_checks.assessments_to_link(demo_session, case, clock.day_of(before))
    assert assessment.id not in {a.id for a in offered}
