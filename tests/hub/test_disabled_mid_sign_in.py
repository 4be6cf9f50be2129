"""An account disabled while its user is signing in, at the moment a step is checked
(their password, their security code, or the authenticator app they are setting up): the
step waits for the disabling and is refused, recorded; nobody is signed in to a disabled
account, and nothing is set up for it. On PostgreSQL, where the two take turns by the
account's row lock (SQLite runs one writer at a time)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from sharing import agency_accounts
from sharing.models import AuditEntry, User
from tests.fixtures.app import PASSWORD, csrf_token, make_app, totp_secret_of
from tests.fixtures.databases import PostgresServer, migrated_postgres
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Flask]:
    with migrated_postgres(postgres_server) as url:
        app = make_app(tmp_path, url)
        yield app
        app.extensions["hub.engine"].dispose()


def post(client: FlaskClient, path: str, **data: str) -> TestResponse:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def at_password(client: FlaskClient, user: User) -> Callable[[], TestResponse]:
    return lambda: post(client, "/sign-in", email=user.email, password=PASSWORD)


def at_security_code(client: FlaskClient, user: User) -> Callable[[], TestResponse]:
    assert at_password(client, user)().location.endswith("/sign-in/code")
    code = pyotp.TOTP(totp_secret_of(user)).at(datetime.now(UTC))
    return lambda: post(client, "/sign-in/code", code=code)


def at_setting_up(client: FlaskClient, user: User) -> Callable[[], TestResponse]:
    assert at_password(client, user)().location.endswith("/sign-in/set-up-code")
    page = client.get("/sign-in/set-up-code").get_data(as_text=True)
    match = re.search(r'Setup key: <code class="[^"]*">([A-Z2-7]+)</code>', page)
    assert match, "no setup key on the page"
    code = pyotp.TOTP(match.group(1)).now()
    return lambda: post(client, "/sign-in/set-up-code", code=code)


@pytest.mark.parametrize(
    ("role", "totp", "step"),
    [
        ("case_officer", False, at_password),
        ("manager", True, at_security_code),
        ("manager", False, at_setting_up),
    ],
    ids=["password", "security code", "setting up the authenticator"],
)
def test_an_account_disabled_as_a_sign_in_step_is_checked_is_not_signed_in(
    app: Flask, create_user, db_session: Session, role: str, totp: bool, step
) -> None:
    user = create_user(role, totp=totp)
    client = app.test_client()
    ask = step(client, user)

    def disable(taken: threading.Event, let_go: threading.Event) -> None:
        with app.extensions["hub.sessions"]() as manager:
            agency_accounts.set_active(manager, manager.get(User, user.id), False)
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            manager.commit()

    answer = answered_while_held(app.extensions["hub.engine"], disable, ask)
    assert isinstance(answer, TestResponse), answer
    assert answer.status_code in (200, 302)
    assert client.get("/").status_code == 302  # not signed in
    db_session.expire_all()
    assert "sign_in" not in db_session.scalars(select(AuditEntry.action)).all()
    refusals = db_session.scalars(
        select(AuditEntry.basis).where(AuditEntry.action == "sign_in.failed")
    ).all()
    assert "account disabled while signing in" in refusals
    # Nothing was set up for the account disabled as it was being set up.
    assert db_session.get(User, user.id).has_authenticator is totp
