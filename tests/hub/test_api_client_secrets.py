"""The operator gives a partner system a new secret (``hub api clients rotate``), as when
the old one may have been seen or the partner's staff who knew it have left: the client
keeps its id, scopes and account, the new secret is shown once, the old one and every
token it got stop working at once, and the act is one audit entry naming the client by
id. A client revoked, or one no client has, is refused saying why, and recorded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.app import create_app
from sharing import api_clients
from sharing.models import ApiClient, AuditEntry
from sharing.vocabulary import Role
from tests.fixtures.api import HTTPS, bearer, token_for
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_user


def _last(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    return entry


def test_the_operator_gives_a_client_a_new_secret_and_the_old_one_stops_at_once(
    demo_hub_env: Path, demo_session: Session
) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
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
    old_secret = added.output.split("client secret:")[1].split()[0]
    app = create_app()  # the copy the command runs on
    web, sessions = app.test_client(), app.extensions["hub.sessions"]
    with sessions() as session:
        client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        session.expunge(client)
    old = api_clients.Registered(client, old_secret)
    token = token_for(web, old).get_json()["access_token"]

    rotated = hub("api", "clients", "rotate", client_id)

    assert rotated.exit_code == 0, rotated.output
    assert f"client id:     {client_id}" in rotated.output
    new_secret = rotated.output.split("client secret:")[1].split()[0]
    assert new_secret != old_secret
    assert "the old secret and its tokens no longer work" in rotated.output
    assert token_for(web, old).status_code == 401
    shared = web.get("/api/v1/cases/shared", headers=bearer(token), base_url=HTTPS)
    assert shared.status_code == 401
    assert token_for(web, api_clients.Registered(client, new_secret)).status_code == 200
    listed = hub("api", "clients", "list").output
    assert f"{client_id}  northshire-police  Records" in listed
    assert "active" in listed
    with sessions() as session:
        entry = _last(session, "api_client.rotate")
    assert (entry.outcome, entry.object_id) == ("allowed", str(client.id))
    assert new_secret not in (entry.basis or "")
    assert old_secret not in (entry.basis or "")

    # A client revoked is given no new secret: register a new one.
    assert hub("api", "clients", "revoke", client_id).exit_code == 0
    refused = hub("api", "clients", "rotate", client_id)
    assert refused.exit_code == 1
    assert f"API client {client_id} is revoked: register a new one" in refused.output
    assert "client secret:" not in refused.output
    with sessions() as session:
        assert _last(session, "api_client.rotate").outcome == "refused"
    unknown = hub("api", "clients", "rotate", "hub-nobody")
    assert (unknown.exit_code, unknown.output) == (1, "Error: no API client hub-nobody\n")
    app.extensions["hub.engine"].dispose()
