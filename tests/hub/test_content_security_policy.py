"""The Content-Security-Policy runs the hub's own scripts on every page it answers: the
pages answered before any route is reached (an address that does not exist, a page the
user's roles do not open, a form sent without its security token, an address holding a
control character) carry the nonce their policy names, as every other page does."""

from __future__ import annotations

import re

import pytest
from flask import Flask

_NONCE = re.compile(r"script-src 'self' 'nonce-([^']*)'")
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>")


def _scripts_run(response) -> None:
    """Every inline script of the page has the nonce its policy names, and the nonce is
    not empty (an empty one runs none of them: no "js-enabled", no menu button)."""
    policy = response.headers["Content-Security-Policy"]
    match = _NONCE.search(policy)
    assert match, policy
    assert match.group(1), policy
    scripts = _INLINE_SCRIPT.findall(response.get_data(as_text=True))
    assert scripts, "the page has no inline script"
    for attributes in scripts:
        assert f'nonce="{match.group(1)}"' in attributes, attributes


@pytest.mark.parametrize(
    ("path", "status"), [("/no-such-page", 404), ("/closure-survey/", 404), ("/?q=a%00b", 400)]
)
def test_a_page_answered_before_any_route_runs_the_hubs_scripts(
    app: Flask, path: str, status: int
) -> None:
    response = app.test_client().get(path)
    assert response.status_code == status
    _scripts_run(response)


def test_a_page_refused_for_the_users_roles_runs_the_hubs_scripts(as_user) -> None:
    response = as_user("case_officer").get("/audit")
    assert response.status_code == 403
    _scripts_run(response)


def test_a_form_sent_without_its_security_token_runs_the_hubs_scripts(app: Flask) -> None:
    response = app.test_client().post("/sign-in", data={"email": "a@b.example", "password": "x"})
    assert response.status_code == 400
    _scripts_run(response)


@pytest.mark.parametrize("path", ["/sign-in", "/no-such-page", "/apply"])
def test_a_page_names_its_own_icon_in_a_form_its_policy_allows(app: Flask, path: str) -> None:
    # Without an icon of its own a browser asks for /favicon.ico beside every page, and the
    # hub logs a 404 each time; the icon is inline, an image the policy allows (data:).
    response = app.test_client().get(path)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', response.get_data(as_text=True))
    assert icon, path
    assert icon.group(1).startswith("data:image/svg+xml,")
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
