"""Authenticator (TOTP) secrets are sealed under the key store: a copy of the database (a
backup, a replica, a dump left on a laptop) holds no manager's, DPO's or administrator's
second factor, neither once set up nor while being set up; a sealed secret copied to
another account does not open it; and the secrets stay readable after a key rotation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from sharing import authenticator_apps
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.rotation import rotate
from sharing.db import make_session_factory
from sharing.demo import DEMO_ACCOUNTS
from sharing.models import User
from tests.fixtures.app import PASSWORD, csrf_token, sign_in, totp_secret_of
from tests.fixtures.demo import demo_copy

DEMO_PASSWORD = "demo-only-Northshire-2026"  # noqa: S105 - published in the README


def _setup_key(page: str) -> str:
    match = re.search(r'Setup key: <code class="[^"]*">([A-Z2-7]+)</code>', page)
    assert match, "no setup key on the page"
    return match.group(1)


def _dump(app: Flask) -> str:
    """Every table of the hub's SQLite database as SQL, as a copy of it would hold them."""
    with app.extensions["hub.engine"].connect() as connection:
        return "\n".join(connection.connection.driver_connection.iterdump())


def _password_step(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


def _code_step(client: FlaskClient, code: str):
    return client.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_token(client, "/sign-in/code")}
    )


def _next_code(secret: str, steps_ahead: int = 0) -> str:
    """A code of ``secret`` from now or a step ahead (the hub allows one step of drift), so
    a second sign-in in the same half minute is not a replay."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps_ahead))


def test_an_authenticator_set_up_at_sign_in_is_never_in_the_database_in_plain(
    app: Flask, create_user, db_session: Session
) -> None:
    manager = create_user("manager", totp=False)
    client = app.test_client()
    assert _password_step(client, manager.email).endswith("/sign-in/set-up-code")
    secret = _setup_key(client.get("/sign-in/set-up-code").get_data(as_text=True))
    assert secret not in _dump(app)  # the sign-in half done holds it sealed
    token = csrf_token(client, "/sign-in/set-up-code")
    done = client.post(
        "/sign-in/set-up-code", data={"code": _next_code(secret), "csrf_token": token}
    )
    assert done.location == "/"
    assert secret not in _dump(app)
    db_session.expire_all()
    row = db_session.get(User, manager.id)
    assert row.totp_plain is None
    assert row.totp_sealed is not None
    assert secret.encode() not in row.totp_sealed

    # The sealed secret is the one the app holds: the next sign-in takes its code.
    again = app.test_client()
    assert _password_step(again, manager.email).endswith("/sign-in/code")
    assert _code_step(again, _next_code(secret, 1)).location == "/"
    assert secret not in _dump(app)


def test_an_authenticator_set_up_under_your_account_is_never_in_the_database_in_plain(
    app: Flask, create_user, db_session: Session
) -> None:
    officer = create_user("case_officer")
    browser = app.test_client()
    sign_in(browser, officer)
    secret = _setup_key(browser.get("/account/second-factor").get_data(as_text=True))
    assert secret not in _dump(app)  # kept with the session, sealed
    token = csrf_token(browser, "/account/second-factor")
    browser.post("/account/second-factor", data={"code": _next_code(secret), "csrf_token": token})
    assert "Set up" in browser.get("/account").get_data(as_text=True)
    assert secret not in _dump(app)
    db_session.expire_all()
    assert db_session.get(User, officer.id).totp_sealed is not None


def test_signing_in_leaves_no_secret_in_plain(app: Flask, create_user) -> None:
    dpo = create_user("dpo")
    secret = totp_secret_of(dpo)
    assert secret not in _dump(app)
    client = app.test_client()
    assert _password_step(client, dpo.email).endswith("/sign-in/code")
    assert _code_step(client, _next_code(secret)).location == "/"
    assert secret not in _dump(app)


def test_a_sealed_secret_copied_to_another_account_does_not_sign_it_in(
    app: Flask, create_user, db_session: Session
) -> None:
    """Whoever can write to the database cannot give an account a second factor they
    hold by copying their own sealed secret over it."""
    mine, theirs = create_user("manager"), create_user("manager")
    db_session.execute(
        update(User)
        .where(User.id == theirs.id)
        .values(totp_sealed=select(User.totp_sealed).where(User.id == mine.id).scalar_subquery())
    )
    db_session.commit()
    client = app.test_client()
    assert _password_step(client, theirs.email).endswith("/sign-in/code")
    refused = _code_step(client, _next_code(totp_secret_of(mine)))
    assert refused.status_code == 200
    assert "The security code is not correct" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in
    db_session.expire_all()
    assert db_session.get(User, theirs.id).failed_sign_ins == 1


def _demo_authenticator_accounts() -> list[tuple[str, str]]:
    return [(a.email, a.totp_secret) for a in DEMO_ACCOUNTS if a.totp_secret]


def test_demo_accounts_sign_in_with_their_published_codes_before_and_after_a_rotation(
    demo_files: Path, tmp_path: Path
) -> None:
    app = demo_copy(demo_files, tmp_path)
    try:
        email, secret = _demo_authenticator_accounts()[0]
        assert secret not in _dump(app)
        client = app.test_client()
        assert _password_step(client, email, DEMO_PASSWORD).endswith("/sign-in/code")
        assert _code_step(client, _next_code(secret)).location == "/"

        report = rotate(app.extensions["hub.sessions"], app.extensions["hub.keys"])
        assert report.retired == [1]  # the key version of the demo's build is gone

        again = app.test_client()
        assert _password_step(again, email, DEMO_PASSWORD).endswith("/sign-in/code")
        assert _code_step(again, _next_code(secret, 1)).location == "/"
    finally:
        app.extensions["hub.engine"].dispose()


def test_every_demo_authenticator_is_sealed_and_opens_after_a_rotation(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    sessions = make_session_factory(engine, keys)
    demo = dict(_demo_authenticator_accounts())

    def opened() -> dict[str, str | None]:
        with sessions() as session:
            users = session.scalars(select(User).where(User.email.in_(demo))).all()
            assert all(u.totp_plain is None and u.totp_sealed is not None for u in users)
            return {u.email: authenticator_apps.authenticator_secret(session, u) for u in users}

    assert opened() == demo
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT totp_sealed FROM users")).scalars().all()
    assert not [s for s in stored if s and any(v.encode() in bytes(s) for v in demo.values())]
    rotate(sessions, keys)
    assert opened() == demo
