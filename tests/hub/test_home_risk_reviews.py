"""The home page's "Risk assessment reviews due": an officer's own cases; for a manager,
their agency's, each with its officer, as the manager's first contact list is, so that a
manager with no cases of their own finds the reviews their officers have let fall due."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Agency, Case, User
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user

AGENCY = "larkmoor-ha"


def _due(session: Session) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .join(Agency, Agency.id == Case.agency_id)
            .where(
                Agency.code == AGENCY,
                Case.status != CaseStatus.CLOSED,
                Case.erased_at.is_(None),
                Case.locked.is_(False),
                Case.risk_review_due_on <= clock.today(),
            )
            .order_by(Case.id)
        )
    )


def _risk_part(client) -> str:
    page = html.unescape(client.get("/").get_data(as_text=True))
    start = page.index('id="risk-reviews"')
    return page[start : page.index("<h2", start + 1)]


def test_a_manager_sees_their_agencys_risk_reviews_due_with_each_officer(
    demo_hub, demo_session
) -> None:
    due = _due(demo_session)
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    assert due, "the demo has risk reviews due at the landlord"
    assert all(c.officer_id != manager.id for c in due)
    part = _risk_part(demo_client(demo_hub, manager))
    assert "Your agency's risk assessment reviews due" in part
    for case in due:
        assert case.reference in part
        assert demo_session.get(User, case.officer_id).display_name in part
    assert "None of your cases" not in part


def test_an_officer_sees_only_their_own_risk_reviews_due(demo_hub, demo_session) -> None:
    due = _due(demo_session)
    officer = demo_session.get(User, due[0].officer_id)
    part = _risk_part(demo_client(demo_hub, officer))
    assert "Your agency's" not in part
    for case in due:
        assert (case.reference in part) is (case.officer_id == officer.id)
