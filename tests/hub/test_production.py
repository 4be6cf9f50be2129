"""The hub as deployed (production settings, PostgreSQL, a real key store, https): every
security header and cookie flag, on the sign-in page, a case page and an error page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.fixtures.app import PASSWORD, csrf_token, production_app
from tests.fixtures.databases import PostgresServer

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def app(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Flask]:
    """Overrides the SQLite development app: the factories (users, cases) build on this."""
    with production_app(postgres_server, tmp_path) as app:
        yield app


def _assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp, (where, directive)
    assert "'unsafe-inline'" not in csp, where
    assert headers["Strict-Transport-Security"] == HSTS, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert headers["Cache-Control"] == "no-store", where
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert "Server" not in headers or "Werkzeug" not in headers["Server"], where


def test_production_sets_every_security_header_and_cookie_flag(
    app: Flask, create_user, create_case
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = app.test_client()

    sign_in_page = client.get("/sign-in")
    _assert_security_headers(sign_in_page, "sign-in page")
    signed_in = client.post(
        "/sign-in",
        data={
            "email": officer.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    assert signed_in.status_code == 302
    _assert_security_headers(signed_in, "sign-in redirect")
    cookies = {c.split("=", 1)[0]: c for c in signed_in.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"hub_session", "hub_known_browser"}
    for name, path in (("hub_session", "Path=/"), ("hub_known_browser", "Path=/sign-in")):
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", path):
            assert flag in cookies[name], (name, flag)
        assert "Domain=" not in cookies[name]  # this host only

    case_page = client.get(f"/cases/{case.id}")
    assert case_page.status_code == 200
    _assert_security_headers(case_page, "case page")

    missing = client.get("/cases/2147483647")
    assert missing.status_code == 404
    _assert_security_headers(missing, "error page")
