"""Error pages that need nothing (issue 21, item 4): when the database cannot be used,
a signed-in page, the sign-in page and the API answer a clear 503 (never a bare 500 or a
traceback), the page showing nobody's name; and the hub serves again once the database is
back, without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from sharing.vocabulary import Role
from tests.fixtures.app import DATABASE_UNREACHABLE


def test_pages_and_the_api_say_503_while_the_database_is_gone_then_serve_again(
    app: Flask, as_user, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    officer = as_user(Role.CASE_OFFICER)
    home = officer.get("/")
    assert home.status_code == 200
    assert "Test User" in home.get_data(as_text=True)
    database = tmp_path / "hub.sqlite3"
    moved = tmp_path / "away.sqlite3"
    app.extensions["hub.engine"].dispose()
    database.rename(moved)  # the next connection finds an empty file: no tables at all

    signed_in = officer.get("/")
    anonymous = app.test_client().get("/cases", base_url="https://hub.test")
    api = app.test_client().get(
        "/api/v1/cases/shared", headers={"Authorization": "Bearer x"}, base_url="https://hub.test"
    )

    assert signed_in.status_code == 503
    page = signed_in.get_data(as_text=True)
    assert DATABASE_UNREACHABLE in page
    assert "Test User" not in page, "the page asks nothing of the signed-in user"
    assert anonymous.status_code == 302, "no one signed in: sent to sign in, as ever"
    assert "/sign-in" in anonymous.headers["Location"]
    assert api.status_code == 503
    assert api.mimetype == "application/problem+json"
    assert "Traceback" not in caplog.text

    app.extensions["hub.engine"].dispose()
    database.unlink()
    moved.rename(database)
    assert officer.get("/").status_code == 200, "back, no restart"
