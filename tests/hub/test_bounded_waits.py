"""Bounded waits (issue 21, item 2): while another connection holds the lock a request
needs (here the audit queue's, to which every act writes its entry, held as a
maintenance job on the table would hold it), the request is answered "the hub is
busy" (503, Retry-After) within the configured wait, saving nothing, instead of hanging;
once the lock is let go, the same request goes through. On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import func, make_url, select, text

from sharing.db import make_engine
from sharing.models import AuditEntry
from tests.fixtures.app import HttpsClient, csrf_token, make_app

WAIT = 1  # the configured lock wait, in seconds


@contextmanager
def audit_lock_held(url: str) -> Iterator[None]:
    """Another connection holding a lock every act needs: the audit queue's table, locked
    against writes (SQLite: the database's write lock)."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(str(make_url(url).database))) as connection:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.rollback()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("LOCK TABLE audit_queue IN EXCLUSIVE MODE"))
            yield
            connection.rollback()
    finally:
        engine.dispose()


def entries(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(select(func.count()).select_from(AuditEntry))
    engine.dispose()
    return int(found or 0)


def attempt(client: HttpsClient):  # type: ignore[no-untyped-def]
    """A failed sign-in: an act the audit log records (so it writes to the queue)."""
    token = csrf_token(client, "/sign-in")
    return client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "nobody@example.org", "password": "wrong-password"},
    )


def test_a_request_behind_a_held_lock_is_answered_busy_within_the_wait(
    migrated_database_url: str, tmp_path: Path
) -> None:
    app = make_app(tmp_path, database_url=migrated_database_url, database_lock_timeout=WAIT)
    app.test_client_class = HttpsClient
    client = app.test_client()
    assert attempt(client).status_code == 200  # the audit tree's row exists from here
    before = entries(migrated_database_url)

    with audit_lock_held(migrated_database_url):
        started = time.monotonic()
        busy = attempt(client)
        waited = time.monotonic() - started

    assert busy.status_code == 503
    assert "Sorry, the hub is busy" in busy.get_data(as_text=True)
    assert busy.headers["Retry-After"] == "5"
    assert waited < WAIT + 3, f"answered after {waited:.1f} s"
    assert entries(migrated_database_url) == before, "nothing saved"
    assert attempt(client).status_code == 200, "served again once the lock is let go"
    assert entries(migrated_database_url) == before + 1
    app.extensions["hub.engine"].dispose()


def test_the_api_says_busy_as_problem_details(migrated_database_url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, database_url=migrated_database_url, database_lock_timeout=WAIT)
    client = app.test_client()
    token = client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic bm9ib2R5Om5vdGhpbmc="},
        base_url="https://hub.test",
    )
    assert token.status_code == 401  # the refusal is recorded: the audit tree's row exists
    with audit_lock_held(migrated_database_url):
        busy = client.post(
            "/api/v1/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic bm9ib2R5Om5vdGhpbmc="},
            base_url="https://hub.test",
        )
    assert busy.status_code == 503
    assert busy.mimetype == "application/problem+json"
    assert busy.get_json()["title"] == "Sorry, the hub is busy"
    app.extensions["hub.engine"].dispose()
