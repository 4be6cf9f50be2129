"""Failed sign-ins limited by where they come from: past the limit one address (or IPv6
/64) is refused with a 429 page whichever account it names, every worker agreeing;
sign-ins from elsewhere go on; the refusal is recorded without the address; the counts
are kept for the hour only."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.app import create_app
from hub.config import load_settings
from hub.settings import ConfigError
from sharing import accounts, clock, sign_in_limits, sign_in_sessions
from sharing.db import make_engine, make_session_factory
from sharing.models import (
    Agency,
    Area,
    AuditEntry,
    PublicFormUse,
    SignInFailure,
    SignInStep,
    User,
)
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import PASSWORD, csrf_token, make_app, totp_secret_of
from tests.fixtures.cli import hub

#: Failed sign-ins one source may make in an hour, in these tests.
LIMIT = 3
GUESSER, COLLEAGUE = "203.0.113.66", "198.51.100.7"
REFUSAL = "too many failed sign-ins from one source"


@pytest.fixture
def app(tmp_path: Path, migrated_database_url: str) -> Iterator[Flask]:
    """The hub on SQLite and on PostgreSQL, with a small limit."""
    app = make_app(tmp_path, migrated_database_url, sign_in_failures_per_hour=LIMIT)
    yield app
    app.extensions["hub.engine"].dispose()


def browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_sign_in(client: FlaskClient, email: str, password: str):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")},
    )


def refusals(db_session: Session) -> list[AuditEntry]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(AuditEntry).where(AuditEntry.basis.startswith(REFUSAL)).order_by(AuditEntry.seq)
        )
    )


def test_one_address_past_the_limit_is_refused_whichever_account_it_names(
    app: Flask, create_user, db_session: Session
) -> None:
    first, second = create_user("case_officer"), create_user("case_officer", totp=False)
    guesser = browser(app, GUESSER)
    for email in (first.email, second.email, "nobody@test.example"):
        page = post_sign_in(guesser, email, "wrong-password-123").get_data(as_text=True)
        assert "Enter a correct e-mail address and password" in page
    refused = post_sign_in(guesser, second.email, PASSWORD)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many attempts to sign in" in page
    assert "Try again after" in page
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert second.email not in page
    assert "Traceback" not in page
    assert "locked" not in page  # nothing said of the account
    assert guesser.get("/").status_code == 302  # not signed in
    db_session.expire_all()
    # Each account took one failure, none is locked: the source was stopped, not them.
    assert db_session.get(User, second.id).locked_until is None


def test_someone_signing_in_from_elsewhere_is_not_refused(
    app: Flask, create_user, db_session: Session
) -> None:
    user = create_user("case_officer", totp=False)
    guesser = browser(app, GUESSER)
    for _ in range(LIMIT + 2):
        post_sign_in(guesser, user.email, "wrong-password-123")
    colleague = browser(app, COLLEAGUE)
    response = post_sign_in(colleague, "colleague-typo@test.example", "wrong-password-123")
    assert response.status_code == 200
    # The account itself is not locked by the guesser's refused attempts: only LIMIT counted.
    db_session.expire_all()
    assert db_session.get(User, user.id).locked_until is None
    assert post_sign_in(colleague, user.email, PASSWORD).status_code == 302
    assert colleague.get("/").status_code == 200


def test_an_ipv6_network_counts_as_one_source(app: Flask, create_user) -> None:
    user = create_user("case_officer", totp=False)
    for n in range(1, LIMIT + 1):
        post_sign_in(browser(app, f"2001:db8:1:2::{n}"), user.email, "wrong-password-123")
    assert post_sign_in(browser(app, "2001:db8:1:2::ffff"), user.email, PASSWORD).status_code == 429
    assert post_sign_in(browser(app, "2001:db8:1:3::1"), user.email, PASSWORD).status_code == 302


def test_sign_ins_that_succeed_and_unfinished_forms_are_not_failures(
    app: Flask, create_user
) -> None:
    user = create_user("case_officer", totp=False)
    client = browser(app, COLLEAGUE)
    for _ in range(LIMIT + 2):
        assert post_sign_in(client, user.email, PASSWORD).status_code == 302
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(LIMIT + 2):  # empty boxes are asked for again, not tried
        page = post_sign_in(client, "", "").get_data(as_text=True)
        assert "Enter your e-mail address" in page
    for _ in range(LIMIT):
        assert post_sign_in(client, user.email, "wrong-password-123").status_code == 200
    assert post_sign_in(client, user.email, PASSWORD).status_code == 429


def test_wrong_security_codes_count_for_the_source(app: Flask, create_user) -> None:
    user = create_user("manager")
    client = browser(app, GUESSER)
    assert post_sign_in(client, user.email, PASSWORD).location.endswith("/sign-in/code")
    for _ in range(LIMIT):
        page = client.post(
            "/sign-in/code",
            data={"code": "000000", "csrf_token": csrf_token(client, "/sign-in/code")},
        ).get_data(as_text=True)
        assert "The security code is not correct" in page
    right = pyotp.TOTP(totp_secret_of(user)).at(datetime.now(UTC))
    response = client.post(
        "/sign-in/code", data={"code": right, "csrf_token": csrf_token(client, "/sign-in/code")}
    )
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_the_refusal_is_recorded_once_an_hour_and_nothing_names_the_address(
    app: Flask, create_user, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = create_user("case_officer", totp=False)
    guesser = browser(app, GUESSER)
    for _ in range(LIMIT + 3):
        post_sign_in(guesser, user.email, "wrong-password-123")
    entries = refusals(db_session)
    assert len(entries) == 1
    assert (entries[0].action, entries[0].outcome) == ("sign_in.failed", "refused")
    assert entries[0].actor_user_id is None
    db_session.expire_all()
    every_entry = " ".join(repr(vars(e)) for e in db_session.scalars(select(AuditEntry)))
    kept = " ".join(f.key for f in db_session.scalars(select(SignInFailure)))
    for personal in (GUESSER, user.email):
        assert personal not in every_entry
        assert personal not in kept
        assert personal not in caplog.text
    # Another source's refusal is its own entry.
    other = browser(app, "192.0.2.44")
    for _ in range(LIMIT + 1):
        post_sign_in(other, "nobody@test.example", "wrong-password-123")
    assert len(refusals(db_session)) == 2


def test_every_worker_counts_the_same_failures(app: Flask, create_user) -> None:
    user = create_user("case_officer", totp=False)
    other_worker = create_app(app.config["HUB_SETTINGS"])
    other_worker.config["TESTING"] = True
    try:
        workers = [browser(app, GUESSER), browser(other_worker, GUESSER)]
        for n in range(LIMIT):
            post_sign_in(workers[n % 2], user.email, "wrong-password-123")
        assert all(post_sign_in(w, user.email, PASSWORD).status_code == 429 for w in workers)
    finally:
        other_worker.extensions["hub.engine"].dispose()


def test_failures_are_kept_for_the_hour_only(db_session: Session) -> None:
    limits = sign_in_limits.Limits(per_source=2)
    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    for minute in range(3):
        sign_in_limits.attempt(db_session, "a source", now + timedelta(minutes=minute), limits)
    last = sign_in_limits.attempt(db_session, "a source", now + timedelta(minutes=3), limits)
    until = sign_in_limits.refused_until(db_session, last, now + timedelta(minutes=3), limits)
    assert until == now + limits.window
    later = now + limits.window + timedelta(minutes=1, seconds=1)
    again = sign_in_limits.attempt(db_session, "a source", later, limits)
    assert sign_in_limits.refused_until(db_session, again, later, limits) is None
    kept = db_session.scalars(select(SignInFailure.at)).all()
    assert all(at >= later - limits.window for at in kept)


@pytest.mark.parametrize("value", ["lots", "0", "-3", "100001"])
def test_a_limit_that_is_not_one_stops_the_hub(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="sign_in_failures_per_hour"):
        load_settings(
            environ={},
            instance_path=str(tmp_path),
            secret_key="x" * 40,
            sign_in_failures_per_hour=value,
        )


def test_attempts_at_the_same_moment_never_get_past_the_limit(app: Flask, create_user) -> None:
    """Eight wrong passwords sent together from one address, to two workers: at most the
    limit are checked, the rest refused (all of them, if each sees the others before it
    is checked), whatever the order they reach the database."""
    user = create_user("case_officer", totp=False)
    other_worker = create_app(app.config["HUB_SETTINGS"])
    other_worker.config["TESTING"] = True
    clients = [browser(app if n % 2 else other_worker, GUESSER) for n in range(8)]
    tokens = [csrf_token(client, "/sign-in") for client in clients]
    start = threading.Barrier(len(clients), timeout=30)
    answered: list[int] = []

    def send(client: FlaskClient, token: str) -> None:
        start.wait()
        response = client.post(
            "/sign-in",
            data={"email": user.email, "password": "wrong-password-123", "csrf_token": token},
        )
        answered.append(response.status_code)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other_worker.extensions["hub.engine"].dispose()
    assert len(answered) == len(clients)
    assert answered.count(200) <= LIMIT
    assert set(answered) <= {200, 429}
    # Only the attempts checked were counted (one refused is not): the rest of the
    # limit is left, and no more.
    guesser = browser(app, GUESSER)
    for _ in range(LIMIT - answered.count(200)):
        assert post_sign_in(guesser, user.email, "wrong-password-123").status_code == 200
    assert post_sign_in(guesser, user.email, PASSWORD).status_code == 429


def test_the_hourly_sweep_forgets_failures_past_the_hour_on_a_quiet_hub(
    migrated_hub_env: str,
) -> None:
    """No attempt need come for the counts to go: ``hub users sweep`` (from a timer)
    forgets the failures older than the hour, the sign-ins half done past their five
    minutes (with any authenticator key they held), and the public Community Trigger
    form's sends older than the hour (before, those waited for the form's next send);
    the rest are kept."""
    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    engine = make_engine(migrated_hub_env)
    with make_session_factory(engine)() as session:
        agency = Agency(
            code="quiet-homes",
            name="Quiet Homes",
            type=AgencyType.LANDLORD,
            area=Area(code="quiet", name="Quiet area"),
            case_prefix="QH",
        )
        user = accounts.create_user(
            session,
            agency=agency,
            email="quiet@homes.example",
            display_name="Quiet Test",
            roles={Role.MANAGER},
            password_hash="not-a-hash",
        )
        for minutes_ago in (120, 61, 59, 1):
            sign_in_limits.count_failure(session, "a source", now - timedelta(minutes=minutes_ago))
        for minutes_ago in (24 * 60, 61, 60, 30):
            session.add(PublicFormUse(key="a source", at=now - timedelta(minutes=minutes_ago)))
        for minutes_ago in (10, 1):
            with clock.pinned(now - timedelta(minutes=minutes_ago)):
                sign_in_sessions.begin_step(
                    session,
                    user,
                    method="password",
                    next_page="/",
                    within=timedelta(days=1),
                )
        session.commit()

        with clock.pinned(now):
            swept = hub("users", "sweep")
        assert swept.exit_code == 0, swept.output
        assert swept.output == (
            "2 failed sign-in(s) older than an hour forgotten; "
            "1 sign-in(s) half done past their 5 minutes forgotten; "
            "2 send(s) of the public Community Trigger form older than an hour forgotten.\n"
        )
        session.expire_all()
        kept = session.scalars(select(SignInFailure.at)).all()
        assert sorted(at.astimezone(UTC) for at in kept) == [
            now - timedelta(minutes=59),
            now - timedelta(minutes=1),
        ]
        [step] = session.scalars(select(SignInStep)).all()
        assert step.started_at.astimezone(UTC) == now - timedelta(minutes=1)
        sends = session.scalars(select(PublicFormUse.at)).all()
        assert sorted(at.astimezone(UTC) for at in sends) == [
            now - timedelta(minutes=60),
            now - timedelta(minutes=30),
        ]
        # Run again, nothing more goes.
        with clock.pinned(now):
            again = hub("users", "sweep").output
        assert again.startswith("0 failed sign-in(s)")
        assert "; 0 send(s) of the public Community Trigger form" in again
    engine.dispose()
