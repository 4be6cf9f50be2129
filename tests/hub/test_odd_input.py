"""Odd input never gives a server error: every id in every address, query string and form
of the URL map, as 0, -1, 2^63, 10^20 and not a number, is "not found" or a field error."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from sharing.vocabulary import Role
from tests.fixtures.app import make_app, production_app

pytestmark = pytest.mark.long

#: "²" passes ``str.isdigit`` and fails ``int``.
ODD_IDS = ["0", "-1", str(2**63), str(10**20), "not-a-number", "1\x00", "²"]
#: Names under which the hub's pages read ids (and page numbers) from a query string or
#: a form, besides the address itself.
ID_FIELDS = (
    "page",
    "person",
    "person_id",
    "purpose",
    "case",
    "user",
    "agency",
    "officer",
    "officer_id",
    "ward",
    "ward_id",
    "owner_agency",
    "reported_by",
    "received_by",
    "protocol_purpose",
    "agency_key",
    "version",
    "owner_agency_id",
    "recommendation_id",
    "sitting_id",
    "meeting",
    "since-day",
)
_ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@pytest.fixture(params=["development on SQLite", "production on PostgreSQL"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The hub on SQLite, and as deployed on PostgreSQL (whose ids are 32-bit)."""
    if request.param.startswith("development"):
        app = make_app(tmp_path)
        yield app
        app.extensions["hub.engine"].dispose()
        return
    with production_app(request.getfixturevalue("postgres_server"), tmp_path) as app:
        yield app


def _paths(app: Flask, odd: str) -> list[tuple[str, str]]:
    """Every route with each of its arguments in turn set to ``odd`` (the others 1)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        arguments = _ARGUMENT.findall(rule.rule) or [None]
        for target in arguments:
            path = _ARGUMENT.sub(lambda m, t=target: odd if m.group(1) == t else "1", rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                paths.append((method, path))
    return paths


@pytest.mark.parametrize(
    "odd", ODD_IDS, ids=["zero", "minus-one", "2^63", "10^20", "word", "nul", "superscript"]
)
def test_no_route_gives_a_server_error_for_an_odd_id(
    app: Flask, create_user, create_case, as_user, odd: str
) -> None:
    everything = create_user(*Role)  # every guard lets them through to the id
    create_case(everything)
    client = as_user(user=everything)
    app.config["WTF_CSRF_ENABLED"] = False  # reach the id, not the CSRF check
    fields = dict.fromkeys(ID_FIELDS, odd)
    checked = 0
    for method, path in _paths(app, odd):
        if path == "/sign-out":
            continue
        if method == "GET":
            response = client.get(path, query_string=fields)
        else:
            response = client.open(path, method=method, data=fields)
        assert response.status_code < 500, f"{method} {path} answered {response.status_code}"
        checked += 1
    assert checked > 50


def test_a_null_byte_in_an_address_or_a_client_id_is_refused_before_the_database_sees_it(
    app: Flask, create_user, as_user
) -> None:
    # PostgreSQL takes no null byte in text: each of these was a server error there.
    client = as_user(user=create_user(*Role))
    for path in ("/figures/?agency=%00", "/figures/tables/%00.csv", "/cases?officer=1%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "a character no one types" in response.get_data(as_text=True)
    api = client.get("/api/v1/cases?purpose=%00")
    assert api.status_code == 400
    assert api.mimetype == "application/problem+json"
    token = app.test_client().post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(b"\x00:x").decode()},
        base_url="https://hub.test",
    )
    assert token.status_code == 401
    assert token.get_json()["error"] == "invalid_client"
