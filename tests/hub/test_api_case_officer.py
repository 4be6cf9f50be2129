"""The officer a partner system names for a case it opens through the API: one whose
cases its account may not record on (another team's, for a case officer's account) is bad
input in the body, a 422 naming ``officer_email``, not a refusal of the system itself."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import api_clients
from sharing.models import AuditEntry, Case, User
from sharing.vocabulary import Role
from tests.fixtures.api import register
from tests.fixtures.demo import demo_user
from tests.hub.test_api_calls import call, fields_named, housing, new_case, open_case

__all__ = ["housing"]  # Northshire Homes' manager's system, a fixture


@pytest.fixture(scope="module")
def east_estates(demo_hub: Flask) -> api_clients.Registered:
    """Northshire Homes' estates system, acting as a case officer of the East estates team."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-homes", Role.CASE_OFFICER, name="Estates")


def _officer(session: Session, agency: str, team: str) -> User:
    return next(
        u
        for nth in range(3)
        if (u := demo_user(session, agency, Role.CASE_OFFICER, nth)).team == team
    )


def _opened_with(session: Session, reference: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Case).where(Case.external_reference == reference)
    )


def test_an_officer_of_another_team_is_refused_naming_the_field_and_nothing_is_opened(
    demo_hub: Flask, demo_session: Session, east_estates: api_clients.Registered
) -> None:
    assert demo_session.get_one(User, east_estates.client.user_id).team == "East estates"
    west = _officer(demo_session, "northshire-homes", "West estates")
    entries = demo_session.scalar(select(func.count()).select_from(AuditEntry))
    body = new_case(officer_email=west.email)

    answer = open_case(demo_hub, east_estates, body)

    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert fields_named(answer) == ["officer_email"]
    [problem] = answer.get_json()["errors"]
    assert "another team" in problem["reason"]
    assert west.email not in answer.get_data(as_text=True)  # never a value sent
    demo_session.expire_all()
    assert _opened_with(demo_session, body["reference"]) == 0
    # Bad input, as a form's: no refusal recorded of a case that was never written.
    refusals = demo_session.scalars(
        select(AuditEntry.action).where(AuditEntry.seq > entries, AuditEntry.outcome != "ok")
    ).all()
    assert refusals == []


def test_the_case_is_opened_once_the_officer_is_of_the_systems_team(
    demo_hub: Flask, demo_session: Session, east_estates: api_clients.Registered
) -> None:
    east = _officer(demo_session, "northshire-homes", "East estates")
    colleague = next(
        u
        for nth in range(3)
        if (u := demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER, nth)).team
        == "East estates"
        and u.id != east_estates.client.user_id
    )
    for officer in (east, colleague):
        body = new_case(officer_email=officer.email)
        answer = open_case(demo_hub, east_estates, body)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        read = call(demo_hub, east_estates, "GET", answer.headers["Location"])
        assert read.status_code == 200
        assert read.get_json()["officer"] == officer.display_name


def test_a_managers_system_may_open_a_case_for_any_officer_of_its_agency(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    west = _officer(demo_session, "northshire-homes", "West estates")
    body = new_case(officer_email=west.email, reference=f"HMS-{uuid.uuid4().hex[:10]}")

    answer = open_case(demo_hub, housing, body)

    assert answer.status_code == 201, answer.get_data(as_text=True)
    demo_session.expire_all()
    assert _opened_with(demo_session, body["reference"]) == 1
