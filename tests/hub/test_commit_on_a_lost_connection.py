"""A connection lost at the commit itself (issue 21, item 4): PostgreSQL ends the
request's connection after the page's work and before its commit, as a restart does. The
answer is the "cannot reach its database" page with the hub's security headers, never the
generic error page nor a logged traceback; nothing of the request is saved; the next
request is served."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from sharing.db import make_engine
from sharing.models import AuditEntry, AuditQueued, Case, User
from tests.fixtures.app import make_app
from tests.fixtures.databases import PostgresServer, migrated_postgres

BROKEN = "Sorry, the hub cannot reach its database at the moment"


@pytest.fixture
def app(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Flask]:
    """The hub on a migrated PostgreSQL database (the fixtures' users and cases go there)."""
    with migrated_postgres(postgres_server) as url:
        app = make_app(tmp_path, database_url=url)
        yield app
        app.extensions["hub.engine"].dispose()


def audit_rows(app: Flask) -> int:
    with app.extensions["hub.sessions"]() as session:
        queued = session.scalar(select(func.count()).select_from(AuditQueued)) or 0
        logged = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return queued + logged


def end_the_connection_before_its_commit(app: Flask) -> None:
    """The next request's commit finds its connection ended by the server."""
    url = app.config["HUB_SETTINGS"].database_url
    ending = make_engine(url)

    def end(session: Session) -> None:
        pid = session.connection().scalar(text("SELECT pg_backend_pid()"))
        with ending.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        ending.dispose()

    event.listen(app.extensions["hub.sessions"], "before_commit", end, once=True)


def test_a_case_page_whose_commit_loses_its_connection_is_503_and_records_nothing(
    app: Flask,
    as_user: Callable[..., FlaskClient],
    create_case: Callable[..., Case],
    db_session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    officer = as_user()
    user = db_session.scalars(select(User)).one()
    case = create_case(user)
    assert officer.get(f"/cases/{case.id}").status_code == 200
    before = audit_rows(app)

    end_the_connection_before_its_commit(app)
    lost = officer.get(f"/cases/{case.id}")

    assert lost.status_code == 503
    assert BROKEN in lost.get_data(as_text=True)
    assert "Content-Security-Policy" in lost.headers
    assert "X-Request-Id" in lost.headers
    assert "Exception on" not in caplog.text
    assert "unhandled" not in caplog.text
    assert audit_rows(app) == before, "the view that was not shown left no entry"
    assert officer.get(f"/cases/{case.id}").status_code == 200, "served again"
    assert audit_rows(app) == before + 1
