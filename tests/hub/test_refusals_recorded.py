"""Every refusal is an audit entry (DESIGN §4), walked as the demo's own users: another
agency's manager at the Community Trigger applications, a partner viewer at the case
list, a case officer at a manager's or DPO's page, another agency's information request,
and a person or action of another case reached through one's own case. Each request
writes exactly one refused entry, holding identifiers only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import (
    Action,
    AuditEntry,
    AuditQueued,
    Case,
    CaseParty,
    InformationRequest,
    TriggerApplication,
    User,
)
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user

LARKMOOR = "larkmoor-ha"
POLICE = "northshire-police"
ADULTS = "northshire-adults"


def _entries(session: Session, request_id: str) -> list[AuditEntry | AuditQueued]:
    """The entries one request wrote, whether the log has taken them in yet or not."""
    session.expire_all()
    logged = session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))
    queued = session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id))
    return [*logged, *queued]


def _refusals(session: Session) -> list[tuple[str, Role, str, int, str, str | None]]:
    """(agency, role, address, status, action, object id) for each refusal the demo's
    users meet; the object id expected in the entry, or None where the page names none."""
    application = session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id)
    ).first()
    assert application is not None
    officer = demo_user(session, LARKMOOR, Role.CASE_OFFICER)
    # An open case of theirs (a closed one refuses a change before looking at what is
    # asked for); which of the officer's cases are closed differs with the demo's day.
    own = session.scalars(
        select(Case)
        .where(
            Case.officer_id == officer.id,
            Case.locked.is_(False),
            Case.status != CaseStatus.CLOSED,
        )
        .order_by(Case.id)
    ).first()
    assert own is not None
    party = session.scalars(
        select(CaseParty).where(CaseParty.case_id != own.id).order_by(CaseParty.id)
    ).first()
    action = session.scalars(
        select(Action).where(Action.case_id != own.id).order_by(Action.id)
    ).first()
    police = demo_user(session, POLICE, Role.CASE_OFFICER)
    request = session.scalars(
        select(InformationRequest).where(InformationRequest.agency_id != police.agency_id)
    ).first()
    assert party is not None
    assert action is not None
    assert request is not None
    trigger = f"/trigger/{application.id}"
    return [
        (POLICE, Role.MANAGER, "/trigger", 403, "trigger.view", None),
        (POLICE, Role.MANAGER, trigger, 403, "trigger.view", str(application.id)),
        (
            POLICE,
            Role.MANAGER,
            f"{trigger}/letters/acknowledgement.pdf",
            403,
            "trigger.view",
            str(application.id),
        ),
        (LARKMOOR, Role.MANAGER, "/trigger/new", 403, "trigger.record", None),
        (ADULTS, Role.PARTNER_VIEWER, "/cases", 403, "page.refused", "cases"),
        (ADULTS, Role.PARTNER_VIEWER, "/cases/export.csv", 403, "page.refused", "cases"),
        (ADULTS, Role.PARTNER_VIEWER, "/cases/new", 403, "page.refused", "cases"),
        (LARKMOOR, Role.CASE_OFFICER, "/cases/reviews-due", 403, "page.refused", "cases"),
        (LARKMOOR, Role.CASE_OFFICER, "/protocols/import", 403, "page.refused", "protocols"),
        (
            POLICE,
            Role.CASE_OFFICER,
            f"/conferences/{request.conference_id}/requests/{request.id}",
            404,
            "page.refused",
            "conferences",
        ),
        (
            LARKMOOR,
            Role.CASE_OFFICER,
            f"/cases/{own.id}/people/{party.id}/change",
            404,
            "page.refused",
            "cases",
        ),
        (
            LARKMOOR,
            Role.CASE_OFFICER,
            f"/cases/{own.id}/actions/{action.id}",
            404,
            "page.refused",
            "cases",
        ),
    ]


def test_each_refusal_the_demos_users_meet_is_one_audit_entry_of_identifiers_only(
    demo_hub: Flask, demo_session: Session
) -> None:
    people = {
        value.lower()
        for user in demo_session.scalars(select(User))
        for value in (user.display_name, user.email)
    }
    walked = 0
    for agency, role, path, status, action, object_id in _refusals(demo_session):
        user = demo_user(demo_session, agency, role)
        response = demo_client(demo_hub, user).get(path)
        assert response.status_code == status, path
        entries = _entries(demo_session, response.headers["X-Request-Id"])
        assert [(e.action, e.outcome) for e in entries] == [(action, "refused")], path
        [entry] = entries
        assert entry.actor_user_id == user.id
        assert entry.object_id == object_id, path
        written = " ".join(str(v) for v in (entry.object_id, entry.purpose, entry.basis)).lower()
        assert not any(person in written for person in people), path
        assert "/" not in written, path  # never the address
        assert "@" not in written, path
        assert not re.search(r"[A-Z]{2}\d", entry.basis or ""), path  # nor a postcode
        walked += 1
    assert walked == 12


@pytest.mark.parametrize("path", ["/cases/999999/actions/1", "/trigger/999999"])
def test_a_refusal_already_recorded_is_not_recorded_twice(
    demo_hub: Flask, demo_session: Session, path: str
) -> None:
    manager = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    response = demo_client(demo_hub, manager).get(path)
    assert response.status_code == 404
    entries = _entries(demo_session, response.headers["X-Request-Id"])
    assert [e.outcome for e in entries] == ["refused"]
