"""Someone's details saved ("Change their details") while a colleague takes them off the
case, on PostgreSQL through the hub's pages (demo partnership): the removal is taken
first and held open until the save waits for the person's row; then it is let go. The
save is answered as one sent after the removal is: not found, nothing changed, the refusal
in the audit log. Before, the save's row lock found the row gone and answered 500.

No sleep decides the order: the removal commits only once the save waits for its lock."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases import people
from sharing.models import AuditEntry, Case, CaseParty, User
from sharing.vocabulary import CaseStatus
from tests.fixtures.app import make_app
from tests.fixtures.databases import PostgresServer
from tests.fixtures.demo import demo_client, postgres_demo
from tests.fixtures.forms import form_on

#: How long a race may take before the test gives up on it (never reached when it passes).
PATIENCE_SECONDS = 60


@pytest.fixture
def hub_on_postgres(
    postgres_server: PostgresServer, demo_files: Path, tmp_path: Path
) -> Iterator[Flask]:
    """The hub on a PostgreSQL copy of the demo, with the demo's key store."""
    url = postgres_server.create_database(template=postgres_demo(postgres_server, demo_files))
    shutil.copytree(demo_files / "instance", tmp_path / "instance")
    app = make_app(tmp_path, url)
    try:
        yield app
    finally:
        app.extensions["hub.engine"].dispose()
        postgres_server.drop_database(url)


def _waiting_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def _a_party(session: Session) -> CaseParty:
    """Someone on an open, unlocked case of Northshire Homes whose officer is still here."""
    return next(
        party
        for party in session.scalars(
            select(CaseParty)
            .join(Case, Case.id == CaseParty.case_id)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.status != CaseStatus.CLOSED,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(CaseParty.id)
        )
        if party.case.officer.active
    )


def _refused_pages(session: Session, request_id: str) -> list[tuple[str, str | None]]:
    integrate(session)
    session.commit()
    return [
        (e.action, e.basis)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))
        if e.outcome == "refused"
    ]


@pytest.mark.postgres
def test_a_change_saved_as_the_person_is_taken_off_the_case_is_not_found(
    hub_on_postgres: Flask,
) -> None:
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        party = _a_party(session)
        case_id, party_id, person_id = party.case_id, party.id, party.person_id
        officer = session.get(User, party.case.officer_id)
    url = f"/cases/{case_id}/people/{party_id}/change"
    client = demo_client(app, officer)
    form = form_on(client.get(url).get_data(as_text=True), url)
    form["person-support_needs"] = "Prefers a call in the afternoon"

    removal_taken, let_go = threading.Event(), threading.Event()
    answered: dict[str, object] = {}

    def remove() -> None:
        with sessions() as session:
            actor = Actor.of(session.get(User, officer.id))
            people.remove_person(session, authorise(session, actor, case_id, Act.RECORD), party_id)
            removal_taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    def save() -> None:
        try:
            answered["response"] = client.post(url, data=form)
        except Exception as failed:  # what a user would see as a server error  # noqa: BLE001
            answered["response"] = failed

    removing = threading.Thread(target=remove)
    removing.start()
    assert removal_taken.wait(PATIENCE_SECONDS)
    saving = threading.Thread(target=save)
    saving.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    engine = app.extensions["hub.engine"]
    while not ("response" in answered or _waiting_for_a_lock(engine)):
        assert time.monotonic() < deadline, "the save neither waited nor ended"
        time.sleep(0.01)
    let_go.set()
    removing.join(PATIENCE_SECONDS)
    saving.join(PATIENCE_SECONDS)

    response = answered["response"]
    assert not isinstance(response, Exception), repr(response)
    assert response.status_code == 404, response.get_data(as_text=True)
    with sessions() as session:
        assert session.get(CaseParty, party_id) is None
        assert not session.scalars(
            select(CaseParty).where(CaseParty.case_id == case_id, CaseParty.person_id == person_id)
        ).all()
        refused = _refused_pages(session, response.headers["X-Request-Id"])
        assert refused == [
            (
                "page.refused",
                f"cases.change_person answered 404 (case_id {case_id}, party_id {party_id})",
            )
        ]
    # Sent again, the page answers as it now does for anyone: not found.
    assert client.post(url, data=form).status_code == 404
