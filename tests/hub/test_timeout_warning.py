"""The warning before the idle sign-out: "Stay signed in" counts as using the hub, asking
how long is left does not, both are refused once the session has ended, and only
signed-in pages carry the warning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import AuditEntry, AuditQueued
from tests.fixtures.app import csrf_token, make_app, sign_in

IDLE_MESSAGE = "signed out because you had not used the hub for 30 minutes"
STAY = "/account/session/stay-signed-in"
TIME_LEFT = "/account/session/time-left"
WARNING = 'id="hub-timeout-warning"'


@pytest.fixture
def start() -> datetime:
    return clock.now()


@pytest.fixture
def officer(app: Flask, create_user, start: datetime) -> FlaskClient:
    """A case officer who signed in at ``start`` and has a page open (its CSRF token in
    ``officer.token``)."""
    client = app.test_client()
    with clock.pinned(start):
        sign_in(client, create_user("case_officer"))
        client.token = csrf_token(client, "/")  # type: ignore[attr-defined]
    return client


def _at(start: datetime, minutes: float) -> Iterator[datetime]:
    return clock.pinned(start + timedelta(minutes=minutes))  # type: ignore[return-value]


def _stay(client: FlaskClient):
    return client.post(STAY, headers={"X-CSRFToken": client.token})  # type: ignore[attr-defined]


def _audit_entries(db_session: Session) -> int:
    db_session.expire_all()
    return sum(
        db_session.scalar(select(func.count()).select_from(t)) for t in (AuditEntry, AuditQueued)
    )


def test_stay_signed_in_keeps_the_session_past_the_time_it_would_have_ended(
    officer: FlaskClient, start: datetime, db_session: Session
) -> None:
    entries = _audit_entries(db_session)
    with _at(start, 28):
        response = _stay(officer)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert _audit_entries(db_session) == entries  # no act on data: nothing recorded
    with _at(start, 28 + 29):  # 57 minutes after the page, 29 after "Stay signed in"
        assert officer.get(TIME_LEFT).json == {"seconds_left": 60}
        assert officer.get("/").status_code == 200


def test_each_signed_in_request_signs_the_cookie_afresh(
    officer: FlaskClient, start: datetime
) -> None:
    """Flask refuses a session cookie signed longer ago than the idle limit: one signed
    only at sign-in would sign out, after 30 minutes, a user who pressed "Stay signed in"
    or was at work all along."""
    with _at(start, 10):
        for response in (officer.get("/cases"), _stay(officer), officer.get(TIME_LEFT)):
            assert "hub_session=" in response.headers.get("Set-Cookie", ""), response.request.path


def test_stay_signed_in_needs_the_pages_csrf_token(officer: FlaskClient, start: datetime) -> None:
    with _at(start, 28):
        assert officer.post(STAY).status_code == 400
    with _at(start, 31):
        assert officer.get("/").location.startswith("/sign-in")


def test_asking_how_long_is_left_does_not_count_as_using_the_hub(
    officer: FlaskClient, start: datetime, db_session: Session
) -> None:
    entries = _audit_entries(db_session)
    for minutes, left in ((10, 20 * 60), (28, 2 * 60), (29.5, 30)):
        with _at(start, minutes):
            response = officer.get(TIME_LEFT)
        assert response.status_code == 200
        assert response.json == {"seconds_left": left}, minutes
    assert _audit_entries(db_session) == entries
    with _at(start, 31):
        refused = officer.get("/")
    assert refused.location.startswith("/sign-in")
    assert IDLE_MESSAGE in officer.get("/sign-in").get_data(as_text=True)


def test_a_page_used_in_another_tab_moves_the_time_left_on(
    officer: FlaskClient, start: datetime
) -> None:
    with _at(start, 20):
        assert officer.get("/cases").status_code == 200  # the other tab
    with _at(start, 28):  # when the first tab would warn
        assert officer.get(TIME_LEFT).json == {"seconds_left": 22 * 60}


@pytest.mark.parametrize(("method", "path"), [("POST", STAY), ("GET", TIME_LEFT)])
def test_once_the_session_has_ended_both_are_refused_and_sign_in_says_why(
    officer: FlaskClient, start: datetime, method: str, path: str
) -> None:
    with _at(start, 31):
        refused = officer.open(path, method=method, headers={"X-CSRFToken": officer.token})  # type: ignore[attr-defined]
        assert refused.status_code == 401
        assert "Location" not in refused.headers
        assert refused.get_data() == b""
        assert IDLE_MESSAGE in officer.get("/sign-in").get_data(as_text=True)
        # Asked again, still refused: the session stays ended, nothing loops.
        assert officer.get(TIME_LEFT).status_code == 401
        assert officer.get("/").location.startswith("/sign-in")


def test_never_signed_in_both_are_refused(app: Flask) -> None:
    client = app.test_client()
    assert client.get(TIME_LEFT).status_code == 401
    assert client.post(STAY).status_code in (400, 401)  # no session: no CSRF token either


def test_signed_in_pages_carry_the_warning_and_others_do_not(
    officer: FlaskClient, start: datetime
) -> None:
    with _at(start, 1):
        page = officer.get("/cases").get_data(as_text=True)
        assert WARNING in page
        assert 'data-ends-in="1800"' in page
        assert 'data-warn-before="120"' in page
        assert "/static/timeout-warning.mjs" in page
        assert "You will be signed out soon" in page
        for path in ("/privacy", "/accessibility", "/apply", "/cases/999999"):
            assert WARNING not in officer.get(path).get_data(as_text=True), path
    assert WARNING not in FlaskClient(officer.application).get("/sign-in").get_data(as_text=True)


def test_a_short_idle_limit_warns_halfway_and_a_request_before_it_always_counts(
    app: Flask, tmp_path: Path, create_user, start: datetime
) -> None:
    short = make_app(tmp_path, session_idle_minutes=1)  # the same database, idle in 1 minute
    try:
        client = short.test_client()
        with clock.pinned(start):
            sign_in(client, create_user("case_officer"))
            assert 'data-warn-before="30"' in client.get("/").get_data(as_text=True)
        for seconds in (40, 80, 120):  # each within the minute of the one before
            with clock.pinned(start + timedelta(seconds=seconds)):
                assert client.get("/").status_code == 200, seconds
        with clock.pinned(start + timedelta(seconds=190)):
            assert client.get("/").status_code == 302
            said = client.get("/sign-in").get_data(as_text=True)
        assert "had not used the hub for 1 minute. " in said
    finally:
        short.extensions["hub.engine"].dispose()
