"""Case reviews in the core (``sharing.cases.reviews``): a new case is first reviewed the
priority's interval after the day it was opened, and a raised priority brings the review
forward; the next review is at most the
priority's interval away (7 days for red urgent by default); a closed case has no more
reviews (the case is not authorised for recording); contact is overdue once the complainant has not been in touch for longer than
the interval; a refused review leaves a refusal in the audit log and nothing else."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases import casework, people, review_checks, reviews
from sharing.errors import InputError, NotAllowed
from sharing.models import AuditEntry, Case
from sharing.risk import assessments
from sharing.vocabulary import (
    CaseCategory,
    CaseStatus,
    ContactMethod,
    PartyRole,
    Priority,
    ReviewDecision,
    Triage,
)
from tests.fixtures.demo import demo_actor

#: Half past midnight in London on 11 June 2026: still 10 June in UTC.
JUST_AFTER_MIDNIGHT = datetime.fromisoformat("2026-06-11T00:30:00+01:00")


def _input(**changes: object) -> review_checks.ReviewInput:
    values: dict[str, object] = {
        "contact_method": ContactMethod.PHONE,
        "contacted_on": clock.today(),
        "contact_note": "",
        "progress": "Letters sent; the complainant reports two quiet weeks",
        "assessment_id": None,
        "risk_note": "Nothing new",
        "decision": ReviewDecision.CONTINUE,
        "next_review_on": None,
    }
    values.update(changes)
    return review_checks.ReviewInput(**values)  # type: ignore[arg-type]


def _case(session, priority: Priority) -> Case:
    return session.scalars(
        select(Case)
        .where(
            Case.priority == priority,
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id.desc())
    ).first()


def test_a_red_urgent_case_is_reviewed_within_a_week(demo_session) -> None:
    case = _case(demo_session, Priority.RED_URGENT)
    authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.RECORD)
    review = reviews.record_review(demo_session, authorised, _input(), reviews.DEFAULT_DAYS)
    assert review.next_review_on == clock.today() + timedelta(days=7)
    assert case.review_due_on == review.next_review_on
    with pytest.raises(InputError, match="at least every 7 days") as refused:
        reviews.record_review(
            demo_session,
            authorised,
            _input(next_review_on=clock.today() + timedelta(days=8)),
            reviews.DEFAULT_DAYS,
        )
    assert refused.value.field == "next_review_on"
    integrate(demo_session)  # the entries this session queued, in the log
    entry = demo_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.outcome) == ("case.review", "refused")
    demo_session.rollback()


def test_contact_is_overdue_after_the_interval_and_a_closed_case_has_no_review(
    demo_session,
) -> None:
    case = _case(demo_session, Priority.AMBER)
    today = clock.today()
    case.last_contact_on = today - timedelta(days=28)
    assert not reviews.contact_overdue(case, reviews.DEFAULT_DAYS, today)
    case.last_contact_on = today - timedelta(days=29)
    assert reviews.contact_overdue(case, reviews.DEFAULT_DAYS, today)
    assert not reviews.contact_overdue(case, {"amber": 31}, today)
    case.status = CaseStatus.CLOSED
    assert not reviews.contact_overdue(case, reviews.DEFAULT_DAYS, today)
    demo_session.flush()
    with pytest.raises(NotAllowed, match="closed"):  # reviews are recorded on open cases
        authorise(demo_session, Actor.of(case.officer), case.id, Act.RECORD)
    demo_session.rollback()


def _new_case(session, priority: Priority, days: dict[str, int]) -> Case:
    actor = demo_actor(session, "northshire-homes", "case_officer")
    data = casework.CaseInput(
        category=CaseCategory.NOISE,
        priority=priority,
        triage=Triage.SERIOUS,
        summary="Threats made at the door",
        parties=[people.PersonInput(role=PartyRole.VICTIM, family_name="Reviewtest")],
    )
    return casework.open_case(session, actor, data, review_days=days)


def test_a_new_case_is_first_reviewed_its_prioritys_interval_after_the_day_it_was_opened(
    demo_session,
) -> None:
    with clock.pinned(JUST_AFTER_MIDNIGHT):
        urgent = _new_case(demo_session, Priority.RED_URGENT, reviews.DEFAULT_DAYS)
        high = _new_case(demo_session, Priority.RED_HIGH, {"red_high": 10})
        amber = _new_case(demo_session, Priority.AMBER, reviews.DEFAULT_DAYS)
    assert urgent.review_due_on == date(2026, 6, 18)
    assert high.review_due_on == date(2026, 6, 21)  # the partnership's own setting
    assert amber.review_due_on == date(2026, 7, 9)
    # A red case is risk assessed the day it is opened: the London day, not UTC's.
    assert urgent.risk_review_due_on == date(2026, 6, 11)
    assert amber.risk_review_due_on is None
    demo_session.rollback()


def test_raising_the_priority_brings_the_review_forward_and_lowering_it_never_puts_it_back(
    demo_session,
) -> None:
    with clock.pinned(JUST_AFTER_MIDNIGHT):
        case = _new_case(demo_session, Priority.AMBER, reviews.DEFAULT_DAYS)
        authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.ASSESS_RISK)
        assessments.change_triage(
            demo_session,
            authorised,
            priority=Priority.RED_URGENT,
            triage=Triage.SERIOUS,
            reason="Threat to kill made at the door",
            case_review_days=reviews.DEFAULT_DAYS,
        )
        assert case.review_due_on == date(2026, 6, 18)
        assert case.risk_review_due_on == date(2026, 6, 11)
        assessments.change_triage(
            demo_session,
            authorised,
            priority=Priority.AMBER,
            triage=Triage.LOW_LEVEL,
            reason="The neighbour has moved out",
            case_review_days=reviews.DEFAULT_DAYS,
        )
        assert case.review_due_on == date(2026, 6, 18)  # never later than it was
        assessments.change_triage(
            demo_session,
            authorised,
            priority=Priority.RED_HIGH,
            triage=Triage.SERIOUS,
            reason="The neighbour is back",
            case_review_days=reviews.DEFAULT_DAYS,
        )
        assert case.review_due_on == date(2026, 6, 18)  # sooner than a red high case asks
    demo_session.rollback()
