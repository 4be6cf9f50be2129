"""The landlords', environmental health's and the council's officers assess each victim's
risk at the outset (000: "at the outset, assess the complainant's vulnerability"), at
first contact, by the working day the acknowledgement letter promised, and review it
weeks later (the demo built for this run, whatever day it runs)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from sharing import clock
from sharing.models import RiskAssessment
from sharing.vocabulary import AgencyType, AssessmentStage


def test_each_victims_first_assessment_is_at_first_contact_within_the_days_promised(
    demo_session,
) -> None:
    """The officer assesses the victim at the outset (000), at first contact, by the
    working day the acknowledgement promised; reviews and changes come three weeks or
    more after the assessment before."""
    assessments = demo_session.scalars(
        select(RiskAssessment).order_by(RiskAssessment.assessed_at, RiskAssessment.id)
    ).all()
    by_victim: dict[tuple[int, int], list[RiskAssessment]] = defaultdict(list)
    for assessment in assessments:
        if assessment.case.agency.type is not AgencyType.POLICE:
            by_victim[(assessment.case_id, assessment.person_id)].append(assessment)
    assert len(by_victim) > 50
    assert any(len(made) > 1 for made in by_victim.values())
    for made in by_victim.values():
        first, *later = made
        case = first.case
        day = clock.day_of(first.assessed_at)
        assert first.stage is AssessmentStage.INITIAL, case.reference
        assert all(a.stage is not AssessmentStage.INITIAL for a in later), case.reference
        assert first.assessed_at > case.opened_at, case.reference
        assert case.first_contact_due_on is not None
        assert day <= case.first_contact_due_on, case.reference
        assert case.first_contact_on is not None
        assert case.first_contact_on <= day, case.reference
        for before, after in zip(made, later, strict=False):
            apart = clock.day_of(after.assessed_at) - clock.day_of(before.assessed_at)
            assert apart >= timedelta(days=21), case.reference
