"""``hub api clients``: the partner systems allowed to call the API."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from hub.cli_session import _session, refuse_run
from hub.templating import uk_datetime
from sharing import accounts, api_clients
from sharing.audit import acts
from sharing.errors import InputError, NotFound
from sharing.models import ApiClient


@click.group(cls=AppGroup)
def api() -> None:
    """The partner API."""


@api.group("clients")
def api_clients_group() -> None:
    """Partner systems allowed to call the API."""


@api_clients_group.command("add")
@click.option(
    "--user", "user_email", required=True, help="E-mail of the agency's account it acts as."
)
@click.option("--name", required=True, help='The partner system, e.g. "Larkmoor housing system".')
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(api_clients.SCOPES)),
    help="What it may do; repeat for several.",
)
def api_clients_add(user_email: str, name: str, scopes: tuple[str, ...]) -> None:
    """Register a partner system: prints its client id and secret (shown once only). A run
    naming no account, or refused for its details, is refused and recorded."""
    add = acts.Action.API_CLIENT_ADD
    with _session() as session:
        user = accounts.find_user(session, user_email)
        if user is None:
            refuse_run(
                session,
                add,
                "refused input: --user (no account has the e-mail address given)",
                message="no user with that e-mail address",
            )
        try:
            registered = api_clients.register(session, user=user, name=name, scopes=list(scopes))
        except InputError as e:
            refuse_run(
                session,
                add,
                f"refused input: {e.field}",
                subject=acts.Subject("user", user.id),
                agency_id=user.agency_id,
                message=e.message,
            )
        session.commit()
        click.echo(f"client id:     {registered.client.client_id}")
        click.echo(f"client secret: {registered.secret}")
        click.echo(
            "Give both to the partner's system over a secure channel: the secret is not kept."
        )


@api_clients_group.command("rotate")
@click.argument("client_id")
def api_clients_rotate(client_id: str) -> None:
    """Give a partner system a new secret (printed once), as when the old one may have been
    seen: its id, scopes and account stay; the old secret and its tokens stop working at
    once. A run naming no client, or a client revoked, is refused and recorded."""
    rotate = acts.Action.API_CLIENT_ROTATE
    with _session() as session:
        try:
            given = api_clients.new_secret(session, client_id)
        except NotFound:
            refuse_run(
                session,
                rotate,
                "refused input: client id (no API client has the id given)",
                message=f"no API client {client_id}",
            )
        except InputError as e:
            refuse_run(
                session,
                rotate,
                "refused input: client id (the client is revoked)",
                message=e.message,
            )
        session.commit()
        click.echo(f"client id:     {given.client.client_id}")
        click.echo(f"client secret: {given.secret}")
        click.echo(
            "Give the new secret to the partner's system over a secure channel: the old secret "
            "and its tokens no longer work, and the new one is not kept."
        )


@api_clients_group.command("list")
def api_clients_list() -> None:
    """The registered partner systems, their agency, account, scopes and state."""
    with _session() as session:
        registered = list(session.scalars(select(ApiClient).order_by(ApiClient.id)))
        if not registered:
            click.echo("No API clients registered.")
        for client in registered:
            state = (
                "revoked"
                if client.revoked_at
                else ("active" if client.user.active else "account disabled")
            )
            click.echo(
                f"{client.client_id}  {client.user.agency.code}  {client.name}  "
                f"as {client.user.email}  [{client.scopes}]  {state}"
            )


@api_clients_group.command("revoke")
@click.argument("client_id")
def api_clients_revoke(client_id: str) -> None:
    """Revoke a partner system: no more tokens, and its tokens stop working at once. A run
    naming no client is refused and recorded."""
    with _session() as session:
        revoked_on = session.scalar(
            select(ApiClient.revoked_at).where(ApiClient.client_id == client_id)
        )
        try:
            api_clients.revoke(session, client_id)
        except NotFound:
            refuse_run(
                session,
                acts.Action.API_CLIENT_REVOKE,
                "refused input: client id (no API client has the id given)",
                message=f"no API client {client_id}",
            )
        session.commit()
        if revoked_on is not None:
            click.echo(
                f"API client {client_id} was already revoked on {uk_datetime(revoked_on)}: "
                "nothing changed."
            )
        else:
            click.echo(f"API client {client_id} revoked.")
