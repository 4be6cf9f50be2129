"""A refused form's page (400) shows again what the form shows of the case (its people's
names, the close form's open actions, the letter form's addressees), and the audit log
keeps the entries of those views, in the request's own entries beside its refusal; what
the refused act would have recorded is not kept and nothing is saved (demo partnership,
on SQLite and PostgreSQL). Before, the request's roll-back kept only the refusal: a page
disclosed case data with no record of it. The log still verifies whole."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sharing.audit.verification import verify
from sharing.models import Action, AuditEntry, Case, CaseParty, Document, Share, User
from sharing.vocabulary import ActionStatus, CaseStatus
from tests.fixtures.app import make_app
from tests.fixtures.databases import DATABASES, PostgresServer
from tests.fixtures.demo import demo_client, demo_copy, postgres_demo
from tests.fixtures.forms import form_on


@pytest.fixture(params=DATABASES)
def hub(request: pytest.FixtureRequest, demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    """The hub on a copy of the demo: on SQLite, and on PostgreSQL."""
    if request.param == "sqlite":
        app = demo_copy(demo_files, tmp_path)
        yield app
        app.extensions["hub.engine"].dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database(template=postgres_demo(server, demo_files))
    shutil.copytree(demo_files / "instance", tmp_path / "instance")
    app = make_app(tmp_path, url)
    try:
        yield app
    finally:
        app.extensions["hub.engine"].dispose()
        server.drop_database(url)


def _case_with_open_actions(session: Session) -> Case:
    """An open, unlocked case of Larkmoor with an open action of its own agency, and
    more than one person on it."""
    for case in session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    ):
        opened = [a for a in case.actions if a.status is ActionStatus.OPEN]
        if opened and len(case.parties) > 1 and case.officer.active:
            return case
    raise AssertionError("no demo case with open actions and people")


def _officer(app: Flask) -> tuple[FlaskClient, int]:
    with app.extensions["hub.sessions"]() as session:
        case = _case_with_open_actions(session)
        return demo_client(app, session.get(User, case.officer_id)), case.id


def _entries(app: Flask, response: TestResponse) -> list[tuple[str, str, str | None]]:
    """The audit entries of the request that answered ``response``, in order."""
    with app.extensions["hub.sessions"]() as session:
        return [
            (e.action, e.outcome, e.basis)
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.request_id == response.headers["X-Request-Id"])
                .order_by(AuditEntry.seq)
            )
        ]


def _views(entries: list[tuple[str, str, str | None]]) -> list[str]:
    return [basis or "" for action, outcome, basis in entries if action == "case.view"]


def _log_whole(app: Flask) -> None:
    with app.extensions["hub.sessions"]() as session:
        checked = verify(session, processes=1)
        assert checked.ok, checked.problem


def _refused(client: FlaskClient, path: str, **changed: str) -> TestResponse:
    form = form_on(client.get(path).get_data(as_text=True), path)
    form.update(changed)
    response = client.post(path, data=form)
    assert response.status_code == 400, response.get_data(as_text=True)
    return response


def test_a_refused_close_form_keeps_the_views_of_its_names_and_open_actions(hub: Flask) -> None:
    client, case_id = _officer(hub)
    with hub.extensions["hub.sessions"]() as session:
        open_actions = sorted(
            a.id
            for a in session.scalars(
                select(Action).where(Action.case_id == case_id, Action.status == ActionStatus.OPEN)
            )
        )
    refused = _refused(client, f"/cases/{case_id}/close", reason="no_contact", outcome="")
    page = refused.get_data(as_text=True)
    assert "Closing the case closes" in page  # the open actions are shown again
    entries = _entries(hub, refused)
    views = _views(entries)
    assert any(v.endswith("| sections close form") for v in views), entries
    listed = next(v for v in views if "open actions" in v).rpartition("open actions ")[2]
    assert sorted(map(int, listed.split(","))) == open_actions
    assert ("case.close", "refused", "refused input: outcome") in entries
    assert not [e for e in entries if e[0] == "case.close" and e[1] == "allowed"]
    with hub.extensions["hub.sessions"]() as session:
        assert session.get(Case, case_id).status is not CaseStatus.CLOSED
    _log_whole(hub)


def test_a_refused_letter_form_keeps_the_view_of_its_addressees(hub: Flask) -> None:
    client, case_id = _officer(hub)
    with hub.extensions["hub.sessions"]() as session:
        documents = session.scalars(select(Document.id).where(Document.case_id == case_id)).all()
    path = f"/cases/{case_id}/letters/new"
    refused = _refused(client, path, letter="", person="", action="produce")
    assert "Choose a person" in refused.get_data(as_text=True)
    entries = _entries(hub, refused)
    assert [v for v in _views(entries) if v.endswith("| sections letter form")], entries
    assert ("case.record", "refused", "refused input: letter") in entries
    assert not [e for e in entries if e[1] == "allowed" and e[0] != "case.view"], entries
    with hub.extensions["hub.sessions"]() as session:
        after = session.scalars(select(Document.id).where(Document.case_id == case_id)).all()
    assert after == documents
    _log_whole(hub)


def test_a_refused_change_to_a_person_keeps_the_view_of_the_names_shown(hub: Flask) -> None:
    client, case_id = _officer(hub)
    with hub.extensions["hub.sessions"]() as session:
        party = session.scalar(
            select(CaseParty).where(CaseParty.case_id == case_id).order_by(CaseParty.id)
        )
        party_id, changed_at = party.id, party.person.changed_at
    path = f"/cases/{case_id}/people/{party_id}/change"
    refused = _refused(client, path, **{"person-email": "not an address"})
    assert "e-mail address in the correct format" in refused.get_data(as_text=True)
    entries = _entries(hub, refused)
    assert [v for v in _views(entries) if v.endswith("| sections change a person form")]
    assert [e for e in entries if e[:2] == ("case.record", "refused")], entries
    assert not [e for e in entries if e[1] == "allowed" and e[0] != "case.view"], entries
    with hub.extensions["hub.sessions"]() as session:
        assert session.get(CaseParty, party_id).person.changed_at == changed_at
    _log_whole(hub)


def test_a_refused_share_form_keeps_the_view_of_the_case_it_showed(hub: Flask) -> None:
    client, case_id = _officer(hub)
    with hub.extensions["hub.sessions"]() as session:
        shares = session.scalars(select(Share.id).where(Share.case_id == case_id)).all()
    refused = _refused(client, f"/cases/{case_id}/shares/new", agency="")
    entries = _entries(hub, refused)
    assert [v for v in _views(entries) if v.endswith("| sections share form")], entries
    assert ("share.create", "refused", "refused input: agency, protocol_purpose") in entries
    assert not [e for e in entries if e[1] == "allowed" and e[0] != "case.view"], entries
    with hub.extensions["hub.sessions"]() as session:
        assert session.scalars(select(Share.id).where(Share.case_id == case_id)).all() == shares
    _log_whole(hub)


def test_a_page_refused_for_another_reason_keeps_only_its_refusal(hub: Flask) -> None:
    """A 404 shows nothing of the case: what was read before it is not kept."""
    client, case_id = _officer(hub)
    with hub.extensions["hub.sessions"]() as session:
        unknown = max(session.scalars(select(CaseParty.id))) + 1000
    refused = client.get(f"/cases/{case_id}/people/{unknown}/change")
    assert refused.status_code == 404
    entries = _entries(hub, refused)
    assert [action for action, _, _ in entries] == ["page.refused"], entries
