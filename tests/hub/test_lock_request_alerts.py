"""Lock-request alerts as the agency's managers meet them under "Alerts": an alert names
the case, so it shows only while the request waits for a manager who may decide it. A
decided request's alert goes, and a locked case is named to no one outside its lock,
whether they dismissed the alert or not."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks
from sharing.models import Alert, Case, LockRequest, User, UserRole
from sharing.vocabulary import AlertKind, LockReason, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases

AGENCY = "larkmoor-ha"


def _second_manager(session: Session) -> User:
    """A case officer of the agency who is a manager too (the demo has one manager an
    agency): another manager who sees every unlocked case of the agency."""
    manager = demo_user(session, AGENCY, Role.MANAGER)
    user = next(
        u
        for u in session.scalars(select(User).where(User.agency_id == manager.agency_id))
        if u.id != manager.id and Role.CASE_OFFICER in u.roles
    )
    if Role.MANAGER not in user.roles:
        user.role_grants.append(UserRole(role=Role.MANAGER))
        session.commit()
    return user


def _case(session: Session) -> Case:
    """An open, unlocked case of the agency never asked to be locked, whose officer is
    neither manager."""
    asked = set(session.scalars(select(LockRequest.case_id)))
    managers = {demo_user(session, AGENCY, Role.MANAGER).id, _second_manager(session).id}
    return [
        c for c in open_cases(session, AGENCY) if c.id not in asked and c.officer_id not in managers
    ][0]


def _request(session: Session, case: Case, *, unlock: bool = False) -> LockRequest:
    officer = Actor.of(session.get(User, case.officer_id))
    request = locks.request_lock(
        session,
        authorise(session, officer, case.id, Act.REQUEST_LOCK),
        None if unlock else LockReason.EMPLOYEE_REPORTED,
        "The reported person works for us",
        unlock=unlock,
    )
    session.commit()
    return request


def _alert_ids(session: Session, case: Case) -> list[int]:
    return list(
        session.scalars(
            select(Alert.id).where(Alert.case_id == case.id, Alert.kind == AlertKind.LOCK_REQUEST)
        )
    )


def _alerts(client: FlaskClient) -> str:
    page = client.get("/alerts")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _dismiss(client: FlaskClient, alert_id: int) -> int:
    token = csrf_token(client, "/alerts")
    return client.post(f"/alerts/{alert_id}/dismiss", data={"csrf_token": token}).status_code


@pytest.mark.parametrize("approve", [True, False])
def test_a_decided_requests_alert_is_no_longer_shown_to_any_manager(
    demo_hub: Flask, demo_session: Session, approve: bool
) -> None:
    """It stayed under Alerts, naming the case, until someone dismissed it."""
    other = _second_manager(demo_session)
    case = _case(demo_session)
    request = _request(demo_session, case)
    deciding = demo_user(demo_session, AGENCY, Role.MANAGER)
    managers = [demo_client(demo_hub, deciding), demo_client(demo_hub, other)]
    for client in managers:
        assert f"Lock requested for case {case.reference}" in _alerts(client)

    locks.decide_lock(
        demo_session, Actor.of(deciding), request.id, approve=approve, reason="Not needed"
    )
    demo_session.commit()

    for client in managers:
        assert case.reference not in _alerts(client)
        assert _dismiss(client, _alert_ids(demo_session, case)[0]) == 404


def test_a_case_locked_is_named_by_no_alert_to_a_manager_outside_its_lock(
    demo_hub: Flask, demo_session: Session
) -> None:
    """Approved without naming the other manager: for them the case does not exist, yet
    the alert named it; dismissed or not, it no longer does, nor does the alert of a
    request to unlock it, which was raised for every manager of the agency."""
    other = _second_manager(demo_session)
    case = _case(demo_session)
    deciding = demo_user(demo_session, AGENCY, Role.MANAGER)
    member, outsider = demo_client(demo_hub, deciding), demo_client(demo_hub, other)
    request = _request(demo_session, case)
    locks.decide_lock(demo_session, Actor.of(deciding), request.id, approve=True)
    demo_session.commit()
    assert outsider.get(f"/cases/{case.id}").status_code == 404
    assert case.reference not in _alerts(outsider)

    _request(demo_session, case, unlock=True)
    unlock_alert = max(_alert_ids(demo_session, case))
    said = _alerts(member)
    assert f"Unlock requested for case {case.reference}" in said
    assert f"Lock requested for case {case.reference}" not in said  # that one was decided
    assert re.search(rf'action="/alerts/{unlock_alert}/dismiss"', said)
    assert case.reference not in _alerts(outsider)
    assert _dismiss(outsider, unlock_alert) == 404
    demo_session.expire_all()
    assert demo_session.get(Alert, unlock_alert).dismissed_at is None  # still the member's


def _home_count(client: FlaskClient, kind: AlertKind) -> int:
    """How many alerts of ``kind`` the home page says wait (0 when it names none)."""
    page = client.get("/").get_data(as_text=True)
    found = re.search(rf"<li>{re.escape(kind.label)}: (\d+)</li>", page)
    return int(found.group(1)) if found else 0


def test_the_home_page_counts_the_alerts_waiting_by_kind(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    client = demo_client(demo_hub, manager)
    before = _home_count(client, AlertKind.LOCK_REQUEST)
    case = _case(demo_session)
    request = _request(demo_session, case)
    assert _home_count(client, AlertKind.LOCK_REQUEST) == before + 1
    home = client.get("/").get_data(as_text=True)
    assert 'href="/alerts">See your alerts</a>' in home
    assert case.reference not in home  # counted, never named
    locks.decide_lock(
        demo_session, Actor.of(manager), request.id, approve=False, reason="Not an employee matter"
    )
    demo_session.commit()
    assert _home_count(client, AlertKind.LOCK_REQUEST) == before
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    assert "Alerts waiting for you" not in officer.get("/").get_data(as_text=True)
