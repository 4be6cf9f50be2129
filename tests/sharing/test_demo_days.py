"""The demo's casework reads as a working team's week: the landlords', environmental
health's and the council's officers open, assess, review, contact, act on and share
cases on working days in England and Wales (never a weekend nor a bank holiday) in
office hours, while incidents happen at any hour and the police work every day. On the
demo built for this run (whatever day it runs), and on the plans of other days."""

from __future__ import annotations

import random
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from sharing import clock
from sharing.demo.partnership import AGENCIES, DEMO_SEED
from sharing.demo.planner import Planner
from sharing.models import (
    Action,
    Case,
    CaseReview,
    ClosureSurvey,
    Document,
    Escalation,
    RiskAssessment,
    Share,
    TriageChange,
)
from sharing.trigger.workdays import CalendarExhausted, england_and_wales
from sharing.vocabulary import AgencyType

#: Build days for the plans: a Christmas Eve, a 29 February, a New Year's Day and a day
#: after Easter.
PLAN_DAYS = (date(2026, 12, 24), date(2028, 2, 29), date(2027, 1, 1), date(2026, 4, 7))


def _working(day: date) -> bool:
    try:
        return england_and_wales().is_working_day(day)
    except CalendarExhausted:  # past the shipped list (a plan for a later year)
        return day.weekday() < 5


def _at_work(moment: datetime) -> bool:
    """On a working day in England and Wales, from nine to five on the English clock."""
    local = moment.astimezone(clock.PARTNERSHIP_ZONE)
    return _working(local.date()) and time(9) <= local.time() <= time(17)


def _off_work(moments: list[tuple[str, datetime]]) -> list[str]:
    return [
        f"{what} {moment.astimezone(clock.PARTNERSHIP_ZONE):%a %d %b %Y %H:%M}"
        for what, moment in moments
        if not _at_work(moment)
    ]


def _not_police(case: Case) -> bool:
    return case.agency.type is not AgencyType.POLICE


@pytest.mark.parametrize("day", PLAN_DAYS, ids=str)
def test_cases_open_and_close_at_work_whatever_the_day_the_demo_is_built(day) -> None:
    """No case is opened on a weekend or a bank holiday (1 January, Christmas, Easter
    Monday) nor outside office hours; the landlords', environmental health's and the
    council's cases close, get their actions and are asked to be locked at work too."""
    plans = Planner(random.Random(DEMO_SEED), day).plan()
    police = {a.code for a in AGENCIES if a.type is AgencyType.POLICE}
    moments = [(f"{p.agency} opened", p.opened_at) for p in plans]
    for plan in (p for p in plans if p.agency not in police):
        moments += [(f"{plan.agency} closed", plan.closed_at)] if plan.closed_at else []
        moments += [(f"{plan.agency} action", a.created_at) for a in plan.actions]
        if plan.lock is not None:
            moments.append((f"{plan.agency} lock asked", plan.lock.requested_at))
    assert _off_work(moments) == []
    # Incidents happen whenever residents say they did: evenings and weekends too.
    occurred = [i.occurred_at for p in plans for i in p.incidents]
    assert any(not _at_work(moment) for moment in occurred)


def test_landlords_environmental_health_and_the_council_work_cases_in_office_hours(
    demo_session,
) -> None:
    """Their cases' openings, closings, risk assessments, triage changes, decisions on
    escalation prompts, case reviews, first contacts, actions, documents, shares and
    closure surveys all fall on working days in office hours."""
    cases = [c for c in demo_session.scalars(select(Case).order_by(Case.id)) if _not_police(c)]
    ids = {c.id for c in cases}
    moments = [(f"{c.reference} opened", c.opened_at) for c in cases]
    moments += [(f"{c.reference} closed", c.closed_at) for c in cases if c.closed_at]
    for model, column, label in (
        (RiskAssessment, RiskAssessment.assessed_at, "assessed"),
        (TriageChange, TriageChange.changed_at, "triage changed"),
        (CaseReview, CaseReview.reviewed_at, "reviewed"),
        (ClosureSurvey, ClosureSurvey.recorded_at, "survey offered"),
        (Document, Document.added_at, "document attached"),
    ):
        rows = demo_session.execute(select(model.case_id, column).where(model.case_id.in_(ids)))
        moments += [(f"case {case_id} {label}", moment) for case_id, moment in rows]
    shared = demo_session.execute(
        select(Share.case_id, Share.created_at).where(Share.case_id.in_(ids))
    )
    moments += [(f"case {case_id} shared", moment) for case_id, moment in shared]
    # Actions their officers set (a complainant's answer online at night sets a follow-up).
    follow_ups = select(ClosureSurvey.follow_up_id).where(ClosureSurvey.follow_up_id.is_not(None))
    actions = demo_session.execute(
        select(Action.case_id, Action.created_at).where(
            Action.case_id.in_(ids), Action.id.not_in(follow_ups)
        )
    )
    moments += [(f"case {case_id} action", moment) for case_id, moment in actions]
    considered = demo_session.execute(
        select(Escalation.case_id, Escalation.considered_at).where(
            Escalation.case_id.in_(ids), Escalation.considered_at.is_not(None)
        )
    )
    moments += [(f"case {case_id} prompt decided", moment) for case_id, moment in considered]
    assert len(moments) > 1000
    assert _off_work(moments) == []
    contact_days = [c.first_contact_on for c in cases if c.first_contact_on]
    contact_days += demo_session.scalars(
        select(CaseReview.contacted_on).where(
            CaseReview.case_id.in_(ids), CaseReview.contacted_on.is_not(None)
        )
    ).all()
    assert contact_days
    assert [day for day in contact_days if not _working(day)] == []
