"""The demo's three lock requests told their agencies' managers by e-mail as they were
asked, as its conferences, referrals and Community Trigger told people as things
happened: serving the demo, or `hub notices send`, never mails a manager of a request
days old as if it were new."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, mail_delivery
from sharing.models import LockRequest, Notice, User
from sharing.vocabulary import LockStatus, NoticeKind, Role


def test_each_demo_lock_request_was_mailed_to_its_managers_as_it_was_asked(
    demo_session: Session,
) -> None:
    requests = demo_session.scalars(
        select(LockRequest).where(LockRequest.status == LockStatus.REQUESTED)
    ).all()
    assert len(requests) == 3
    for request in requests:
        case = request.case
        managers = {
            u.id
            for u in demo_session.scalars(select(User).where(User.agency_id == case.agency_id))
            if Role.MANAGER in u.roles and u.active and u.id != request.requested_by_id
        }
        told = demo_session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.LOCK_REQUESTED, Notice.reference == case.reference
            )
        ).all()
        assert managers
        assert {n.user_id for n in told} == managers
        assert {n.sent_at for n in told} == {request.requested_at}


def test_nothing_the_demo_told_waits_to_be_sent(demo_session: Session) -> None:
    assert mail_delivery.pending(demo_session) == []


def test_each_demo_lock_request_was_asked_in_office_hours_after_the_case_last_changed(
    demo_session: Session,
) -> None:
    """An officer asks at work, not at a quarter to four in the morning."""
    for request in demo_session.scalars(select(LockRequest)):
        asked = request.requested_at.astimezone(clock.PARTNERSHIP_ZONE)
        assert 9 <= asked.hour < 17, asked
        assert request.requested_at <= clock.now()
