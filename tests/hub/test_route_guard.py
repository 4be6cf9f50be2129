"""Every route needs a signed-in user, except sign-in, static files and the health check."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, Flask
from sqlalchemy import select

from hub.api.views import TOKENLESS
from hub.guard import (
    ASKED_BY_SCRIPT,
    PUBLIC_ENDPOINTS,
    audience,
    check_declared,
    serves_api_clients,
)
from sharing.audit import acts
from sharing.models import AuditEntry, AuditQueued, User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client


def _urls(app: Flask) -> list[tuple[str, str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        args = {name: 1 for name in rule.arguments}
        if rule.endpoint == "static":
            args = {"filename": "hub.css"}
        path = rule.build(args, append_unknown=False)[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, path))
    return urls


def test_every_route_but_the_public_ones_redirects_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False  # reach the guard, not the CSRF check
    checked = 0
    for endpoint, method, path in _urls(app):
        if endpoint in PUBLIC_ENDPOINTS or serves_api_clients(endpoint.split(".")[0]):
            continue
        response = client.open(path, method=method)
        if endpoint in ASKED_BY_SCRIPT:  # a page's script, which sends its user to sign in
            assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
            checked += 1
            continue
        assert response.status_code == 302, (
            f"{method} {path} answered {response.status_code} without sign-in"
        )
        assert response.location.startswith("/sign-in"), (
            f"{method} {path} went to {response.location}"
        )
        checked += 1
    assert checked >= 10


def test_every_api_route_but_the_token_and_its_documentation_needs_an_access_token(
    app: Flask, as_user
) -> None:
    assert {"api.token", "api.openapi", "api.reference"} == TOKENLESS
    signed_in = as_user(*Role)  # a browser's session cookie is no way into the API
    checked = 0
    for endpoint, method, path in _urls(app):
        if not serves_api_clients(endpoint.split(".")[0]) or endpoint in TOKENLESS:
            continue
        for client in (app.test_client(), signed_in):
            response = client.open(path, method=method, base_url="https://hub.test")
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 16


def test_public_endpoints_are_only_sign_in_static_health_and_the_public_forms(
    app: Flask,
) -> None:
    assert {e for e in PUBLIC_ENDPOINTS} == {
        "static",
        "auth.sign_in",
        "auth.set_password_link",
        "auth.set_password",
        "auth.second_factor",
        "auth.set_up_second_factor",
        "auth.single_sign_on",
        "auth.single_sign_on_callback",
        "auth.provider_sign_out",
        "health.health",
        "health.ready",
        "apply.start",
        "apply.form",
        "apply.done",
        "your_say.link",
        "your_say.answer",
        "your_say.thanks",
        "statements.privacy",  # the privacy notice
        "statements.accessibility",  # the accessibility statement
    }
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered >= PUBLIC_ENDPOINTS


def test_only_the_warning_before_sign_out_answers_a_script_not_a_page(app: Flask) -> None:
    assert {"account.time_left", "account.stay_signed_in"} == ASKED_BY_SCRIPT
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered >= ASKED_BY_SCRIPT


def test_health_check_answers_without_sign_in_and_shows_no_data(app: Flask) -> None:
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_second_factor_pages_without_a_password_step_go_back_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    for path in ("/sign-in/code", "/sign-in/set-up-code"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.endswith("/sign-in")


@pytest.mark.parametrize("path", ["/cases", "/cases/new"])
def test_roles_without_casework_are_refused_case_pages(as_user, path: str) -> None:
    for role in (
        "partner_viewer",
        "analyst",
        "dpo",
        "administrator",
        "conference_chair",
        "trigger_lead",
    ):
        response = as_user(role).get(path)
        assert response.status_code == 403, role
        assert "You do not have access to this page" in response.get_data(as_text=True)


def test_a_page_refused_for_the_users_roles_is_recorded_without_its_address(
    as_user, db_session
) -> None:
    """Every refusal is an entry (DESIGN §4): a DPO at the case list, a case officer at
    the audit log; the entry names the page's area and whom it serves, never the address."""
    for role, path, area in (
        ("dpo", "/cases?q=Smith", "cases"),
        ("case_officer", "/audit", "audit"),
    ):
        client = as_user(role)
        assert client.get(path).status_code == 403
        entry = db_session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == acts.Action.PAGE_REFUSED.value)
            .order_by(AuditEntry.seq.desc())
        ) or db_session.scalar(
            select(AuditQueued)
            .where(AuditQueued.action == acts.Action.PAGE_REFUSED.value)
            .order_by(AuditQueued.id.desc())
        )
        assert entry is not None, role
        assert (entry.outcome, entry.object_type, entry.object_id) == ("refused", "page", area)
        assert "Smith" not in (entry.basis or "")


def test_unknown_role_name_in_a_guard_fails_at_start_up() -> None:
    from flask import Blueprint

    from hub.guard import require_roles

    with pytest.raises(ValueError, match="casework_officer"):
        require_roles(Blueprint("x", __name__), "casework_officer")


def test_every_blueprint_declares_who_it_serves(app: Flask) -> None:
    # GOV.UK Notify's route test is the model: a new blueprint that forgets its guard
    # fails here (and the app refuses to start), rather than serving everyone.
    undeclared = [name for name in app.blueprints if audience(name) is None]
    assert undeclared == []
    assert {name for name in app.blueprints if audience(name) == frozenset(Role)} == {
        "auth",
        "health",
        "home",
        "account",
        "protocols",
        "apply",  # the public Community Trigger application
        "your_say",  # the closure survey a complainant answers by link
        "statements",  # the privacy notice and the accessibility statement
        "api",  # partner systems, each acting as an account of its agency, by token
    }


def test_an_app_with_an_undeclared_blueprint_refuses_to_start(app: Flask) -> None:
    forgot = Blueprint("forgot_its_guard", __name__)
    forgot.add_url_rule("/forgot", "page", lambda: "served to everyone")
    app.register_blueprint(forgot)
    with pytest.raises(RuntimeError, match="forgot_its_guard"):
        check_declared(app)


def test_every_route_of_a_blueprint_refuses_the_roles_it_does_not_serve(
    app: Flask, as_user
) -> None:
    clients = {role: as_user(role) for role in Role}
    app.config["WTF_CSRF_ENABLED"] = False  # reach the guard, not the CSRF check
    checked = 0
    for endpoint, method, path in _urls(app):
        blueprint = endpoint.split(".")[0]
        served = audience(blueprint)
        if endpoint in PUBLIC_ENDPOINTS or served is None:
            continue
        for role in set(Role) - served:
            response = clients[role].open(path, method=method)
            assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
            checked += 1
    assert checked >= 40


def test_the_menu_offers_each_role_only_pages_it_opens(demo_hub, demo_session) -> None:
    """Every demo account, one of each set of roles: each link of its menu opens (the
    menu and the guard read the same roles), and the case list is offered only to those
    who work cases."""
    seen: set[frozenset[Role]] = set()
    for user in demo_session.scalars(select(User).order_by(User.id)):
        roles = frozenset(user.roles)
        if roles in seen:
            continue
        seen.add(roles)
        client = demo_client(demo_hub, user)
        home = client.get("/").get_data(as_text=True)
        menu = home[home.index('aria-label="Main menu"') : home.index("</nav>")]
        links = re.findall(r'href="([^"]+)"', menu)
        assert links, user.email
        for link in links:
            assert client.get(link).status_code == 200, (sorted(r.value for r in roles), link)
        works_cases = bool(roles & {Role.CASE_OFFICER, Role.MANAGER})
        assert ('href="/cases"' in menu) == works_cases, sorted(r.value for r in roles)
    assert len(seen) > 5
