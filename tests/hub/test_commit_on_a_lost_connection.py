"""A connection lost as a request's transaction ends (issue 21, item 4): PostgreSQL ends
the request's connection after its page is made and before its commit, or before the
roll-back that keeps a refusal's entry, as a restart does. The answer is the "cannot
reach its database" page with the hub's security headers, never the generic error page
nor a logged traceback; nothing of the request is saved; the next request is served."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, Response, g
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sharing.db import make_engine
from sharing.models import AuditEntry, AuditQueued, Case, User
from tests.fixtures.app import DATABASE_UNREACHABLE, make_app
from tests.fixtures.databases import PostgresServer, migrated_postgres


@pytest.fixture
def app(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Flask]:
    """The hub on a migrated PostgreSQL database (the fixtures' users and cases go there)."""
    with migrated_postgres(postgres_server) as url:
        app = make_app(tmp_path, database_url=url)
        yield app
        app.extensions["hub.engine"].dispose()


@pytest.fixture
def connection_ends(app: Flask) -> Iterator[threading.Event]:
    """Once set, the next request's connection is ended by the server after its page is
    made, before the hub commits or rolls back (its step runs after this one)."""
    armed = threading.Event()
    ending = make_engine(app.config["HUB_SETTINGS"].database_url)

    @app.after_request
    def end_the_connection(response: Response) -> Response:
        if armed.is_set() and "db" in g:
            armed.clear()
            pid = g.db.connection().scalar(text("SELECT pg_backend_pid()"))
            with ending.begin() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return response

    yield armed
    ending.dispose()


def audit_rows(app: Flask) -> int:
    with app.extensions["hub.sessions"]() as session:
        queued = session.scalar(select(func.count()).select_from(AuditQueued)) or 0
        logged = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return queued + logged


def assert_database_page(answer: Response, caplog: pytest.LogCaptureFixture) -> None:
    assert answer.status_code == 503
    assert DATABASE_UNREACHABLE in answer.get_data(as_text=True)
    assert "Content-Security-Policy" in answer.headers
    assert "X-Request-Id" in answer.headers
    assert "Exception on" not in caplog.text
    assert "unhandled" not in caplog.text


def test_a_case_page_whose_commit_loses_its_connection_is_503_and_records_nothing(
    app: Flask,
    connection_ends: threading.Event,
    as_user: Callable[..., FlaskClient],
    create_case: Callable[..., Case],
    db_session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    officer = as_user()
    case = create_case(db_session.scalars(select(User)).one())
    assert officer.get(f"/cases/{case.id}").status_code == 200
    before = audit_rows(app)

    connection_ends.set()
    assert_database_page(officer.get(f"/cases/{case.id}"), caplog)

    assert audit_rows(app) == before, "the view that was not shown left no entry"
    assert officer.get(f"/cases/{case.id}").status_code == 200, "served again"
    assert audit_rows(app) == before + 1


def test_a_refusal_whose_roll_back_loses_its_connection_is_503_too(
    app: Flask,
    connection_ends: threading.Event,
    as_user: Callable[..., FlaskClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    officer = as_user()
    assert officer.get("/cases/999999").status_code == 404  # refused, and recorded
    before = audit_rows(app)

    connection_ends.set()
    assert_database_page(officer.get("/cases/999999"), caplog)

    assert audit_rows(app) == before, "the refusal could not be recorded, and was not"
    assert officer.get("/cases/999999").status_code == 404, "served again"
    assert audit_rows(app) == before + 1
