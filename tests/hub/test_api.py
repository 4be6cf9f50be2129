"""The partner API as a partner system meets it: client credentials for a short-lived
token, the token on every call, problem details when anything is wrong."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import agency_accounts, api_clients, clock
from sharing.access.decide import Actor
from sharing.cases import share_lists
from sharing.models import ApiClient, ApiToken, AuditEntry, User
from sharing.vocabulary import Role
from tests.fixtures.api import HTTPS, basic, bearer, token_for
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_user


@pytest.fixture
def system(demo_hub: Flask, demo_session: Session) -> Iterator[api_clients.Registered]:
    """The police's records system, acting as one of the police's case officers."""
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    registered = api_clients.register(
        demo_session, user=officer, name="Police records system", scopes=["cases:read"]
    )
    demo_session.commit()
    yield registered
    api_clients.revoke(demo_session, registered.client.client_id)
    demo_session.commit()


def test_a_partner_system_lists_the_cases_shared_with_its_agency(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered
) -> None:
    client = demo_hub.test_client()
    answer = token_for(client, system)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "cases:read"

    listed = client.get(
        "/api/v1/cases/shared", headers=bearer(body["access_token"]), base_url=HTTPS
    )
    assert listed.status_code == 200
    assert "Set-Cookie" not in listed.headers
    expected = share_lists.shared_with(demo_session, Actor.of(system.client.user))
    assert [c["reference"] for c in listed.get_json()["cases"]] == [
        r.case_reference for r in expected
    ]
    assert expected, "the demo shares cases with the police"
    first = listed.get_json()["cases"][0]
    assert set(first) == {
        "case_id", "reference", "owner_agency", "purpose", "protocol", "protocol_version",
        "shared_until", "shared_at",
    }  # fmt: skip
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "cases.shared")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.actor_user_id == system.client.user_id


def test_neither_the_secret_nor_a_token_is_kept(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered
) -> None:
    token = token_for(demo_hub.test_client(), system).get_json()["access_token"]
    demo_session.expire_all()
    client = demo_session.scalar(select(ApiClient).where(ApiClient.id == system.client.id))
    stored = demo_session.scalars(select(ApiToken).where(ApiToken.client_pk == client.id)).all()
    assert system.secret.encode() not in client.secret_hash
    assert len(client.secret_hash) == 32
    assert stored
    assert all(token.encode() not in t.token_hash for t in stored)


@pytest.mark.parametrize(
    ("secret", "grant", "status", "error"),
    [
        ("wrong", "client_credentials", 401, "invalid_client"),
        (None, "password", 400, "unsupported_grant_type"),
        (None, "authorization_code", 400, "unsupported_grant_type"),
    ],
)
def test_a_token_is_refused_for_wrong_credentials_or_another_grant(
    demo_hub: Flask, system: api_clients.Registered, secret, grant, status, error
) -> None:
    answer = demo_hub.test_client().post(
        "/api/v1/token",
        data={"grant_type": grant},
        headers=basic(system.client.client_id, secret or system.secret),
        base_url=HTTPS,
    )
    assert answer.status_code == status
    assert answer.get_json()["error"] == error
    assert "access_token" not in answer.get_json()


#: What a token request sent otherwise than RFC 6749 §4.4 asks is told to do instead.
AS_A_FORM = (
    "Send grant_type=client_credentials as a form (Content-Type: "
    "application/x-www-form-urlencoded), with the client id and secret by HTTP Basic "
    "authentication (Authorization: Basic)"
)


@pytest.mark.parametrize(
    ("how", "status", "error"),
    [
        ("json", 400, "unsupported_grant_type"),
        ("no grant", 400, "unsupported_grant_type"),
        ("password grant", 400, "unsupported_grant_type"),
        ("secret in the form", 401, "invalid_client"),
    ],
)
def test_a_token_request_sent_otherwise_says_how_to_send_it(
    demo_hub: Flask, system: api_clients.Registered, how: str, status: int, error: str
) -> None:
    """A developer's first token request, sent as many HTTP clients send one, is told
    what to send, where OAuth2's error alone did not say (or said it in Python)."""
    client_id, secret = system.client.client_id, system.secret
    grant = {"grant_type": "client_credentials"}
    sent = {
        "json": {"json": grant, "headers": basic(client_id, secret)},
        "no grant": {"data": {}, "headers": basic(client_id, secret)},
        "password grant": {"data": {"grant_type": "password"}, "headers": basic(client_id, secret)},
        "secret in the form": {"data": {**grant, "client_id": client_id, "client_secret": secret}},
    }[how]

    answer = demo_hub.test_client().post("/api/v1/token", base_url=HTTPS, **sent)

    assert answer.status_code == status
    assert answer.get_json() == {"error": error, "error_description": AS_A_FORM}
    assert secret not in answer.get_data(as_text=True)


@pytest.mark.parametrize("which", ["wrong secret", "unknown client", "revoked client"])
def test_credentials_sent_the_right_way_but_wrong_are_told_so_not_how_to_send_them(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered, which: str
) -> None:
    """A partner whose secret is mistyped, or whose client was revoked, is told to check
    the client id and secret or ask the hub's operator, the same for each (so nothing says
    which client ids exist), where before a wrong secret was told to send its request as a
    form, which it had."""
    client_id, secret = system.client.client_id, system.secret
    if which == "wrong secret":
        secret = "mistyped-" + secret
    elif which == "unknown client":
        client_id = "hub-0000000000000000"
    else:
        api_clients.revoke(demo_session, client_id)
        demo_session.commit()

    answer = demo_hub.test_client().post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client_id, secret),
        base_url=HTTPS,
    )

    assert answer.status_code == 401
    assert answer.get_json() == {
        "error": "invalid_client",
        "error_description": (
            "The client id or secret is not right, or the client has been revoked: check "
            "them, or ask the hub's operator for new ones"
        ),
    }


@pytest.mark.parametrize("credentials", [b"\xff\xfe:\xff", b"hub-\xe9t\xe9:secret\xff"])
def test_credentials_that_are_not_utf8_are_refused_as_an_invalid_client(
    demo_hub: Flask, credentials: bytes
) -> None:
    answer = demo_hub.test_client().post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
        base_url=HTTPS,
    )
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"
    assert "access_token" not in answer.get_json()


@pytest.mark.parametrize("scope", ["admin", "cases:read cases:write", "   ", ""])
def test_a_scope_the_client_lacks_is_refused_and_no_token_issued(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered, scope: str
) -> None:
    tokens = select(func.count()).select_from(ApiToken)
    before = demo_session.scalar(tokens)

    answer = token_for(demo_hub.test_client(), system, scope=scope)

    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_scope"
    assert "access_token" not in answer.get_json()
    demo_session.expire_all()
    assert demo_session.scalar(tokens) == before


def test_a_token_carries_the_scopes_asked_for(demo_hub: Flask, demo_session: Session) -> None:
    registered = api_clients.register(
        demo_session,
        user=demo_user(demo_session, "northshire-homes", Role.MANAGER),
        name="Housing",
        scopes=["cases:read", "actions"],
    )
    demo_session.commit()
    client = demo_hub.test_client()

    asked = token_for(client, registered, scope="actions")
    default = token_for(client, registered)

    assert asked.get_json()["scope"] == "actions"
    assert set(default.get_json()["scope"].split()) == {"cases:read", "actions"}


def test_a_token_request_over_the_limit_is_refused_as_problem_details(
    demo_hub: Flask, system: api_clients.Registered
) -> None:
    answer = demo_hub.test_client().post(
        "/api/v1/token",
        data={"grant_type": "client_credentials", "scope": "x" * 2 * 1024 * 1024},
        headers=basic(system.client.client_id, system.secret),
        base_url=HTTPS,
    )
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    assert "1 MB" in answer.get_json()["detail"]


def test_a_wrong_secret_is_recorded_without_the_secret(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered
) -> None:
    demo_hub.test_client().post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        headers=basic(system.client.client_id, "guessed-secret"),
        base_url=HTTPS,
    )
    demo_session.expire_all()
    entry = demo_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "api.token").order_by(AuditEntry.seq.desc())
    )
    assert entry.outcome == "refused"
    assert entry.object_id == str(system.client.id)
    assert "guessed" not in (entry.basis or "")


def test_every_call_needs_a_good_token_and_says_so_as_problem_details(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered
) -> None:
    client = demo_hub.test_client()
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic abc"}):
        answer = client.get("/api/v1/cases/shared", headers=headers, base_url=HTTPS)
        assert answer.status_code == 401
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["status"] == 401
        assert answer.headers["WWW-Authenticate"].lower().startswith("bearer")

    token = token_for(client, system).get_json()["access_token"]
    with clock.pinned(clock.now() + timedelta(minutes=11)):
        expired = client.get("/api/v1/cases/shared", headers=bearer(token), base_url=HTTPS)
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["detail"]

    api_clients.revoke(demo_session, system.client.client_id)
    demo_session.commit()
    revoked = client.get("/api/v1/cases/shared", headers=bearer(token), base_url=HTTPS)
    assert revoked.status_code == 401
    assert token_for(client, system).status_code == 401


def test_disabling_the_account_ends_its_tokens_for_good(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered
) -> None:
    client = demo_hub.test_client()
    token = token_for(client, system).get_json()["access_token"]
    officer = demo_session.get(User, system.client.user_id)
    manager = Actor.of(demo_user(demo_session, "northshire-police", Role.MANAGER))

    agency_accounts.set_active(demo_session, officer, False, by=manager)
    demo_session.commit()
    disabled = client.get("/api/v1/cases/shared", headers=bearer(token), base_url=HTTPS)
    agency_accounts.set_active(demo_session, officer, True, by=manager)
    demo_session.commit()
    enabled_again = client.get("/api/v1/cases/shared", headers=bearer(token), base_url=HTTPS)

    assert (disabled.status_code, enabled_again.status_code) == (401, 401)
    demo_session.expire_all()
    live = select(func.count()).where(ApiToken.client_pk == system.client.id)
    assert demo_session.scalar(live) == 0
    fresh = token_for(client, system)  # the account enabled again may ask for a new one
    assert fresh.status_code == 200


def test_a_token_without_the_scope_is_refused(
    demo_hub: Flask, demo_session: Session, system: api_clients.Registered
) -> None:
    client = demo_hub.test_client()
    token = token_for(client, system).get_json()["access_token"]
    stored = demo_session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    stored.scopes = ""
    demo_session.commit()
    answer = client.get("/api/v1/cases/shared", headers=bearer(token), base_url=HTTPS)
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert "needs the scope cases:read" in answer.get_json()["detail"]
    # A denial, recorded as the hub's pages record theirs: the account, the call, the scope.
    demo_session.expire_all()
    entry = demo_session.scalar(
        select(AuditEntry).where(AuditEntry.request_id == answer.headers["X-Request-Id"])
    )
    assert entry is not None, "the refused call is an audit entry"
    assert (entry.action, entry.outcome) == ("page.refused", "refused")
    assert entry.actor_user_id == system.client.user_id
    assert (entry.object_type, entry.object_id) == ("page", "api")
    assert entry.basis == "api.shared_cases needs the scope cases:read, which the token lacks"


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/cases/HMS-88812", "/api/v1/cases/12/"]
)
def test_unknown_api_addresses_are_problem_details_not_pages(demo_hub: Flask, path: str) -> None:
    """An address no call has is told so, and where the calls are listed, as a system's
    developer reads it (not a page's words about following a link to a case), without
    the address sent written back (it may hold anything)."""
    answer = demo_hub.test_client().get(path, base_url=HTTPS)
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["title"] == "Not found", "as a record not found is titled"
    assert answer.get_json()["detail"] == (
        "No call of the API has this address: the calls and their addresses are listed at "
        "/api/v1/reference"
    )


def test_a_method_a_call_does_not_take_is_405_naming_those_it_takes(demo_hub: Flask) -> None:
    client = demo_hub.test_client()
    for method in ("DELETE", "PUT", "PATCH"):
        answer = client.open("/api/v1/cases/1", method=method, base_url=HTTPS)
        assert answer.status_code == 405, method
        assert answer.mimetype == "application/problem+json"
        assert answer.headers["Allow"] == "GET"
        assert answer.get_json()["detail"] == f"This call does not take {method}: it takes GET"
        assert answer.get_json()["title"] == "Method not allowed", "as the API's other titles"
    assert client.get("/api/v1/cases", base_url=HTTPS).headers["Allow"] == "POST"
    # A page of the hub still answers an address it does not have, or a method, alike.
    assert client.delete("/cases/1").status_code == 404


def test_the_operator_registers_lists_and_revokes_clients(
    demo_hub_env: Path, demo_session: Session
) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    assert hub("api", "clients", "list").output == "No API clients registered.\n"
    # An administrator or a DPO oversees the hub and sees no case: no system acts as one.
    for role, said in (
        (Role.ADMINISTRATOR, "an administrator's"),
        (Role.DPO, "a data protection officer's"),
    ):
        overseer = demo_user(demo_session, "northshire-csp", role)
        refused = hub(
            "api",
            "clients",
            "add",
            "--user",
            overseer.email,
            "--name",
            "R",
            "--scope",
            "cases:read",
        )
        assert refused.exit_code == 1
        assert f"This account is {said}, which no call of the API serves" in refused.output
        assert "give the system an account of its own" in refused.output
    assert hub("api", "clients", "list").output == "No API clients registered.\n"

    added = hub(
        "api",
        "clients",
        "add",
        "--user",
        officer.email,
        "--name",
        "Records",
        "--scope",
        "cases:read",
    )
    assert added.exit_code == 0, added.output
    client_id = added.output.split("client id:")[1].split()[0]
    assert "client secret:" in added.output
    listed = hub("api", "clients", "list")
    assert f"{client_id}  northshire-police  Records" in listed.output
    assert "active" in listed.output
    # One system to an account, so that the audit log tells their calls apart.
    second = hub(
        "api", "clients", "add", "--user", officer.email, "--name", "Intel", "--scope", "cases:read"
    )
    assert second.exit_code == 1
    assert f'already acts for the partner system "Records" ({client_id})' in second.output
    assert "give each system an account of its own" in second.output
    revoked = hub("api", "clients", "revoke", client_id)
    assert (revoked.exit_code, revoked.output) == (0, f"API client {client_id} revoked.\n")
    assert "revoked" in hub("api", "clients", "list").output
    # Revoking it again changes nothing, and says so.
    twice = hub("api", "clients", "revoke", client_id)
    assert twice.exit_code == 0
    assert twice.output.startswith(f"API client {client_id} was already revoked on ")
    again = hub(
        "api", "clients", "add", "--user", officer.email, "--name", "Intel", "--scope", "cases:read"
    )
    assert again.exit_code == 0, again.output  # the first one revoked
    assert hub("api", "clients", "revoke", "hub-nobody").exit_code == 1
    unknown = hub(
        "api", "clients", "add", "--user", "x@y.example", "--name", "R", "--scope", "cases:read"
    )
    assert unknown.exit_code == 1
    bad_scope = hub(
        "api", "clients", "add", "--user", officer.email, "--name", "R", "--scope", "all"
    )
    assert bad_scope.exit_code == 2
