"""Every call of the partner API that succeeds is in the audit log (DESIGN §4: every read
of case data and every write is an entry): a walk of each operation the OpenAPI document
gives, made as a partner system makes it, each answered 2xx and each writing at least one
entry of what it did, allowed, in its own request. An operation added to the document
without a call here fails the walk, so a new call cannot go unrecorded unseen."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import api_clients, clock
from sharing.access.decide import Actor
from sharing.cases import share_lists
from sharing.models import Action, AuditEntry, AuditQueued, Incident
from sharing.vocabulary import ActionStatus, Role
from tests.fixtures.api import HTTPS, token_for
from tests.fixtures.demo import demo_user
from tests.hub.test_api_calls import IMPORT_HEADING, call, housing, new_case, open_case, police

__all__ = ["housing", "police"]  # the module's clients, fixtures

Call = Callable[[Flask, Session, api_clients.Registered, api_clients.Registered], Any]


def _token(app: Flask, _s: Session, housing: api_clients.Registered, _p: Any) -> Any:
    return token_for(app.test_client(), housing)


def _shared_cases(app: Flask, _s: Session, _h: Any, police: api_clients.Registered) -> Any:
    return call(app, police, "GET", "/api/v1/cases/shared")


def _open_case(app: Flask, _s: Session, housing: api_clients.Registered, _p: Any) -> Any:
    return open_case(app, housing, new_case())


def _own_case(app: Flask, housing: api_clients.Registered) -> int:
    answer = open_case(app, housing, new_case())
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return int(answer.get_json()["case_id"])


def _read_case(app: Flask, session: Session, _h: Any, police: api_clients.Registered) -> Any:
    officer = Actor.of(demo_user(session, "northshire-police", Role.CASE_OFFICER))
    share = share_lists.shared_with(session, officer)[0]
    return call(app, police, "GET", f"/api/v1/cases/{share.case_id}?purpose={share.purpose}")


def _record_incident(app: Flask, _s: Session, housing: api_clients.Registered, _p: Any) -> Any:
    case_id = _own_case(app, housing)
    incident = {"occurred_at": (clock.now() - timedelta(hours=1)).isoformat(), "description": "x"}
    return call(
        app,
        housing,
        "POST",
        f"/api/v1/cases/{case_id}/incidents",
        json=incident,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def _read_incident(app: Flask, session: Session, _h: Any, police: api_clients.Registered) -> Any:
    officer = Actor.of(demo_user(session, "northshire-police", Role.CASE_OFFICER))
    share, incident_id = next(
        (s, i)
        for s in share_lists.shared_with(session, officer)
        for i in session.scalars(select(Incident.id).where(Incident.case_id == s.case_id))
    )
    path = f"/api/v1/cases/{share.case_id}/incidents/{incident_id}?purpose={share.purpose}"
    return call(app, police, "GET", path)


def _import(dry_run: bool) -> Call:
    def importing(app: Flask, _s: Session, housing: api_clients.Registered, _p: Any) -> Any:
        reference = f"WALK-{uuid.uuid4().hex[:8]}"
        row = f"{reference},2026-01-05,noise,amber,low_level,Music,2026-01-04 23:00,Music\n"
        path = "/api/v1/cases/import" + ("?dry_run=true" if dry_run else "")
        csv = (IMPORT_HEADING + row).encode()
        return call(app, housing, "POST", path, data=csv, content_type="text/csv")

    return importing


def _actions(app: Flask, _s: Session, housing: api_clients.Registered, _p: Any) -> Any:
    return call(app, housing, "GET", "/api/v1/actions")


def _close_action(app: Flask, session: Session, housing: api_clients.Registered, _p: Any) -> Any:
    listed = call(app, housing, "GET", "/api/v1/actions").get_json()["actions"]
    action_id = next(a["id"] for a in listed if a["may_complete"])
    assert session.get_one(Action, action_id).status is ActionStatus.OPEN
    path = f"/api/v1/actions/{action_id}/outcome"
    return call(app, housing, "POST", path, json={"outcome": "done", "note": "Visited"})


def _shared_risk(app: Flask, _s: Session, _h: Any, police: api_clients.Registered) -> Any:
    return call(app, police, "GET", "/api/v1/risk/shared")


#: Successful calls of each operation of the document, each with the entry it must write.
CALLS: dict[tuple[str, str], list[tuple[Call, str]]] = {
    ("POST", "/api/v1/token"): [(_token, "api.token")],
    ("GET", "/api/v1/cases/shared"): [(_shared_cases, "cases.shared")],
    ("POST", "/api/v1/cases"): [(_open_case, "case.open")],
    ("GET", "/api/v1/cases/{case_id}"): [(_read_case, "case.view")],
    ("POST", "/api/v1/cases/{case_id}/incidents"): [(_record_incident, "case.record")],
    ("GET", "/api/v1/cases/{case_id}/incidents/{incident_id}"): [(_read_incident, "case.view")],
    ("POST", "/api/v1/cases/import"): [
        (_import(False), "cases.import"),
        (_import(True), "cases.import"),
    ],
    ("GET", "/api/v1/actions"): [(_actions, "actions.list")],
    ("POST", "/api/v1/actions/{action_id}/outcome"): [(_close_action, "action.close")],
    ("GET", "/api/v1/risk/shared"): [(_shared_risk, "shared.list")],
}


def _operations(app: Flask) -> set[tuple[str, str]]:
    document = app.test_client().get("/api/v1/openapi.json", base_url=HTTPS).get_json()
    return {
        (method.upper(), path) for path, methods in document["paths"].items() for method in methods
    }


def _allowed(session: Session, answer: Any, accounts: set[int]) -> list[str]:
    """The actions of the allowed entries the request wrote (taken into the log or not),
    each the act of one of the clients' ``accounts``."""
    session.expire_all()
    request_id = answer.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    allowed = [e for e in entries if e.outcome == "allowed"]
    assert {e.actor_user_id for e in allowed} <= accounts
    return [e.action for e in allowed]


def test_every_successful_call_the_document_gives_writes_its_audit_entry(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    police: api_clients.Registered,
) -> None:
    assert _operations(demo_hub) == set(CALLS), "a call of the document is not walked here"
    accounts = {housing.client.user_id, police.client.user_id}
    unrecorded = []
    for (method, path), calls in sorted(CALLS.items()):
        for make, action in calls:
            answer = make(demo_hub, demo_session, housing, police)
            assert 200 <= answer.status_code < 300, (method, path, answer.get_data(as_text=True))
            written = _allowed(demo_session, answer, accounts)
            if action not in written:
                unrecorded.append((method, path, make.__name__, written))
    assert unrecorded == []
