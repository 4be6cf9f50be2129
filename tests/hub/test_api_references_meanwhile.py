"""A reference from an agency's own system used by two acts at the same moment, on
PostgreSQL through the partner API (demo partnership): a case opened with a reference
(by the API, an import or the command line) is held open, uncommitted, while the API
opens a case or imports a file with the same reference; once the first commits, the
second must see it. Before, the second had checked the reference before the first
committed, then wrote it again and answered 500: a retry of a slow import, or a system
sending the same case from two workers, lost the whole answer.

So too an incident sent while its case is closed (or closed and erased): it waits for the
closing, then is refused naming the case, where it was recorded on the case just closed
and answered 201; one erased meanwhile is titled "Case erased", as one erased before is.

No sleep decides the order: the first commits only once the second waits for its lock."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from sharing import api_clients, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.erasure import erase_case
from sharing.imports import case_opening
from sharing.models import Case, Incident
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.api import HTTPS, bearer_for, register
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.databases import waiting_for_a_lock
from tests.fixtures.demo import demo_user, open_cases

pytestmark = pytest.mark.postgres

#: How long a race may take before the test gives up on it (never reached when it passes).
PATIENCE_SECONDS = 60
HEADING = "reference,opened_on,category,priority,triage,summary,incident_at,incident_description\n"


def _row(reference: str) -> str:
    day = clock.today().isoformat()
    return f"{reference},{day},noise,amber,low_level,Music,{day} 00:05,Music at night\n"


def _while_a_case_with_the_reference_is_opened(
    app: Flask, reference: str, send: Callable[[], Any]
) -> Any:
    """What ``send`` is answered when it runs while another act opens a case of the
    housing association with ``reference`` and commits once ``send`` waits for it."""
    sessions = app.extensions["hub.sessions"]
    opened, let_go = threading.Event(), threading.Event()
    answered: dict[str, Any] = {}

    def first() -> None:
        with sessions() as session:
            manager = Actor.of(demo_user(session, "northshire-homes", Role.MANAGER))
            case_opening.open_case_from(
                session,
                manager,
                dict(
                    zip(
                        HEADING.strip().split(","),
                        _row(reference).strip().split(","),
                        strict=True,
                    )
                ),
            )
            opened.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    def second() -> None:
        try:
            answered["response"] = send()
        except Exception as failed:  # what a partner system would get as a 500  # noqa: BLE001
            answered["response"] = failed

    opening = threading.Thread(target=first)
    opening.start()
    assert opened.wait(PATIENCE_SECONDS)
    sending = threading.Thread(target=second)
    sending.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    engine = app.extensions["hub.engine"]
    while not ("response" in answered or waiting_for_a_lock(engine)):
        assert time.monotonic() < deadline, "the second act neither waited nor ended"
        time.sleep(0.01)
    let_go.set()
    opening.join(PATIENCE_SECONDS)
    sending.join(PATIENCE_SECONDS)
    response = answered["response"]
    assert not isinstance(response, Exception), repr(response)
    return response


def _housing(app: Flask) -> api_clients.Registered:
    with app.extensions["hub.sessions"]() as session:
        return register(session, "northshire-homes", Role.MANAGER, name="Housing management")


def _cases_with(app: Flask, reference: str) -> int:
    with app.extensions["hub.sessions"]() as session:
        return session.scalar(select(func.count()).where(Case.external_reference == reference))


def test_a_case_sent_while_one_with_its_reference_is_opened_is_a_conflict_naming_it(
    hub_on_postgres: Flask,
) -> None:
    app, reference = hub_on_postgres, f"HMS-{uuid.uuid4().hex[:10]}"
    housing = _housing(app)
    client = app.test_client()
    headers = {**bearer_for(client, housing), "Idempotency-Key": str(uuid.uuid4())}
    moment = (clock.now() - timedelta(hours=1)).isoformat()
    body = {
        "reference": reference,
        "category": "noise",
        "priority": "amber",
        "triage": "low_level",
        "summary": "Loud music",
        "incident": {"occurred_at": moment, "description": "Music until 3am"},
    }

    answer = _while_a_case_with_the_reference_is_opened(
        app,
        reference,
        lambda: client.post("/api/v1/cases", json=body, headers=headers, base_url=HTTPS),
    )

    assert answer.status_code == 409, answer.get_data(as_text=True)
    with app.extensions["hub.sessions"]() as session:
        first = session.scalar(select(Case.id).where(Case.external_reference == reference))
    assert answer.get_json()["case_id"] == first
    assert _cases_with(app, reference) == 1


def test_a_file_imported_while_a_case_with_one_of_its_references_is_opened_leaves_it_alone(
    hub_on_postgres: Flask,
) -> None:
    app, reference = hub_on_postgres, f"HMS-{uuid.uuid4().hex[:10]}"
    other = f"HMS-{uuid.uuid4().hex[:10]}"
    housing = _housing(app)
    client = app.test_client()
    headers = bearer_for(client, housing)
    csv = (HEADING + _row(reference) + _row(other)).encode()

    answer = _while_a_case_with_the_reference_is_opened(
        app,
        reference,
        lambda: client.post(
            "/api/v1/cases/import",
            data=csv,
            content_type="text/csv",
            headers=headers,
            base_url=HTTPS,
        ),
    )

    assert answer.status_code == 200, answer.get_data(as_text=True)
    report = answer.get_json()
    assert (report["opened"], report["already_imported"], report["rejected"]) == (1, 1, 0)
    assert _cases_with(app, reference) == 1
    assert _cases_with(app, other) == 1


@pytest.mark.parametrize(("gone", "title"), [("closed", "Case closed"), ("erased", "Case erased")])
def test_an_incident_sent_while_its_case_is_closed_or_erased_is_refused_and_not_recorded(
    hub_on_postgres: Flask, gone: str, title: str
) -> None:
    """Closed, or closed and erased, while the incident waits: refused as a case closed
    (or erased) before is, with the same title."""
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    housing = _housing(app)
    with sessions() as session:
        case_id = open_cases(session, "northshire-homes")[0].id
        incidents_before = session.scalar(
            select(func.count()).select_from(Incident).where(Incident.case_id == case_id)
        )
    client = app.test_client()
    headers = {**bearer_for(client, housing), "Idempotency-Key": str(uuid.uuid4())}
    body = {
        "occurred_at": (clock.now() - timedelta(hours=1)).isoformat(),
        "description": "Shouting in the stairwell",
    }
    closing_taken, let_go = threading.Event(), threading.Event()
    answered: dict[str, Any] = {}

    def close() -> None:
        with sessions() as session:
            manager = Actor.of(demo_user(session, "northshire-homes", Role.MANAGER))
            close_for_erasure(session, manager, case_id)
            if gone == "erased":
                erase_case(session, authorise(session, manager, case_id, Act.ERASE))
            closing_taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    def send() -> None:
        try:
            answered["response"] = client.post(
                f"/api/v1/cases/{case_id}/incidents", json=body, headers=headers, base_url=HTTPS
            )
        except Exception as failed:  # what a partner system would get as a 500  # noqa: BLE001
            answered["response"] = failed

    closing = threading.Thread(target=close)
    closing.start()
    assert closing_taken.wait(PATIENCE_SECONDS)
    sending = threading.Thread(target=send)
    sending.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not ("response" in answered or waiting_for_a_lock(app.extensions["hub.engine"])):
        assert time.monotonic() < deadline, "the incident neither waited nor ended"
        time.sleep(0.01)
    let_go.set()
    closing.join(PATIENCE_SECONDS)
    sending.join(PATIENCE_SECONDS)

    answer = answered["response"]
    assert not isinstance(answer, Exception), repr(answer)
    assert answer.status_code == 409, answer.get_data(as_text=True)  # as one closed before
    problem = answer.get_json()
    assert problem["title"] == title
    assert f"{gone} meanwhile" in problem["detail"]
    with sessions() as session:
        assert session.get(Case, case_id).status is CaseStatus.CLOSED
        assert (
            session.scalar(
                select(func.count()).select_from(Incident).where(Incident.case_id == case_id)
            )
            == incidents_before
        )
