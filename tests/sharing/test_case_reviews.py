"""Case reviews in the core (``sharing.cases.reviews``): the next review is at most the
priority's interval away (7 days for red urgent by default); a closed case has no more
reviews (the case is not authorised for recording); contact is overdue once the complainant has not been in touch for longer than
the interval; a refused review leaves a refusal in the audit log and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases import reviews
from sharing.errors import InputError, NotAllowed
from sharing.models import AuditEntry, Case
from sharing.vocabulary import CaseStatus, ContactMethod, Priority, ReviewDecision


def _input(**changes: object) -> reviews.ReviewInput:
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
    return reviews.ReviewInput(**values)  # type: ignore[arg-type]


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
