"""``hub users`` and ``hub sso``: local user accounts, and the agencies' own identity
providers they may sign in with instead."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.views import PENDING_FOR
from hub.cli_checks import _known_agencies
from hub.cli_session import _session, refuse_run
from hub.config import load_settings
from hub.identity_providers import DiscoveryFailed, discover, load_identity_providers
from hub.settings import ConfigError
from sharing import (
    accounts,
    adding_people,
    agency_accounts,
    authenticator_apps,
    clock,
    duties,
    sign_in_limits,
    sign_in_sessions,
)
from sharing.audit import acts
from sharing.errors import InputError
from sharing.models import Agency, User
from sharing.trigger import limits as public_form_limits
from sharing.vocabulary import Role, SessionEnd


@click.group(cls=AppGroup)
def users() -> None:
    """Local user accounts."""


#: What a command that reads a password from standard input says when it read none.
NOTHING_TYPED = (
    "no password was given: type it when asked (run the command in a terminal), or give it "
    "as the first line of standard input"
)


def _read_password(
    session: Session,
    action: acts.Action,
    *,
    agency_id: int,
    subject: acts.Subject | None = None,
) -> str:
    """The password typed twice at a terminal, or the first line of standard input; none
    there is refused naming what was missing (not as a password too short), and recorded
    as the run's ``action`` refused."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        refuse_run(
            session,
            action,
            "refused input: password (none given)",
            subject=subject,
            agency_id=agency_id,
            message=NOTHING_TYPED,
        )
    return password


@users.command("create")
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. northgate-homes.")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--team", default=None)
@click.option(
    "--yes-shared-domain",
    is_flag=True,
    help="Add an address at a domain another agency's staff use without asking (scripts).",
)
def users_create(
    agency_code: str,
    email: str,
    display_name: str,
    roles: tuple[str, ...],
    team: str | None,
    yes_shared_domain: bool,
) -> None:
    """Create a local account. The password is asked for (or read from standard input).
    An address at a domain another agency's staff use, and nobody at the agency yet, is
    asked about once, naming who uses it, as adding someone on the web asks; not asked
    (standard input is not a terminal), it is refused without --yes-shared-domain."""
    create = acts.Action.ACCOUNT_CREATE
    with _session() as session:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            refuse_run(
                session,
                create,
                "refused input: agency (no agency has the code given)",
                message=f"no agency with the code {agency_code!r}",
            )
        if clash := duties.kept_apart(Role(r) for r in roles):
            refuse_run(
                session,
                create,
                f"refused input: roles ({roles_of(roles)} are kept apart)",
                agency_id=agency.id,
                message=clash,
            )
        _confirm_shared_domain(session, agency, email, confirmed=yes_shared_domain)
        try:
            user = accounts.create_user(
                session,
                agency=agency,
                email=email,
                display_name=display_name,
                roles={Role(r) for r in roles},
                password=_read_password(session, create, agency_id=agency.id),
                team=team,
            )
        except accounts.AccountError as e:
            refuse_run(
                session,
                create,
                "refused input: the account's details",
                agency_id=agency.id,
                message=str(e),
            )
        session.commit()
        note = (
            " They will set up an authenticator app at first sign-in."
            if user.second_factor_required
            else ""
        )
        click.echo(f"Created user {user.id} ({user.email}).{note}")


def _confirm_shared_domain(
    session: Session, agency: Agency, email: str, *, confirmed: bool
) -> None:
    """Ask, where ``email`` is at a domain another agency's staff use and nobody at
    ``agency`` does (``adding_people.another_agencys_domain``), whether it is their
    address at ``agency``; a no, or no one to ask and no ``--yes-shared-domain``, is
    refused and recorded as the web's form records it (``other_domain``)."""
    other = adding_people.another_agencys_domain(session, agency, email)
    if other is None or confirmed:
        return
    said = (
        f"{other.domain} is already used by staff of {other.used_by()}, and nobody at "
        f"{agency.name} has an address there yet"
    )
    if sys.stdin.isatty() and click.confirm(f"{said}. Is this their address at {agency.name}?"):
        return
    refuse_run(
        session,
        acts.Action.ACCOUNT_CREATE,
        "refused input: other_domain",
        agency_id=agency.id,
        message=f"{said}: nothing was created. If this is their address at {agency.name}, "
        "answer yes when asked, or give --yes-shared-domain",
    )


@users.command("reset-password")
@click.argument("email")
@click.option("--reset-second-factor", is_flag=True, help="Also remove their authenticator app.")
def users_reset_password(email: str, reset_second_factor: bool) -> None:
    """Set a new password, lift any lock-out and end the user's sessions."""
    with _session() as session:
        user = _user(session, email, acts.Action.PASSWORD_RESET)
        try:
            password = _read_password(
                session,
                acts.Action.PASSWORD_RESET,
                agency_id=user.agency_id,
                subject=acts.Subject("user", user.id),
            )
            accounts.reset_password(session, user, password)
        except accounts.AccountError as e:
            refuse_run(
                session,
                acts.Action.PASSWORD_RESET,
                "refused input: password",
                subject=acts.Subject("user", user.id),
                agency_id=user.agency_id,
                message=str(e),
            )
        if reset_second_factor:
            authenticator_apps.reset_second_factor(session, user)
        session.commit()
        removed = (
            "their authenticator app is removed: they set one up again at their next sign-in; "
            if reset_second_factor
            else ""
        )
        click.echo(f"Password reset for user {user.id}; {removed}their sessions have ended.")


def _user(session: Session, email: str, action: acts.Action) -> User:
    """The account a command acts on; a run naming none is refused and recorded as a
    refused ``action`` (never the address typed)."""
    user = accounts.find_user(session, email)
    if user is None:
        refuse_run(
            session,
            action,
            "refused input: email (no account has the e-mail address given)",
            subject=acts.Subject("user"),
            message="no user with that e-mail address",
        )
    return user


def roles_of(values: tuple[str, ...]) -> str:
    """Roles given on the command line, for a refusal's basis (``analyst,dpo``)."""
    return ",".join(sorted(set(values)))


@users.command("sign-out")
@click.argument("email")
def users_sign_out(email: str) -> None:
    """End every session of the user at once (they can sign in again)."""
    with _session() as session:
        user = _user(session, email, acts.Action.SESSIONS_END)
        ended = sign_in_sessions.end_all(session, user, SessionEnd.ENDED_BY_MANAGER)
        session.commit()
        click.echo(f"Ended {ended} sessions of user {user.id}.")


@users.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Disable an account: its sessions end at once and it cannot sign in."""
    with _session() as session:
        user = _user(session, email, acts.Action.ACCOUNT_DISABLE)
        was_active = user.active
        agency_accounts.set_active(session, user, False)
        session.commit()
        if was_active:
            click.echo(f"User {user.id} is disabled; their sessions have ended.")
        else:
            click.echo(f"User {user.id} was already disabled: nothing changed.")


@users.command("enable")
@click.argument("email")
def users_enable(email: str) -> None:
    """Let a disabled account sign in again."""
    with _session() as session:
        user = _user(session, email, acts.Action.ACCOUNT_ENABLE)
        was_active = user.active
        agency_accounts.set_active(session, user, True)
        session.commit()
        if was_active:
            click.echo(f"User {user.id} could already sign in: nothing changed.")
        else:
            click.echo(f"User {user.id} can sign in again.")


@users.command("set-roles")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles: the user holds exactly these.",
)
@click.option("--team", default=None, help="Their team (unchanged if not given; '' for none).")
def users_set_roles(email: str, roles: tuple[str, ...], team: str | None) -> None:
    """Give a user these roles (and team): their sessions end, so the change applies at once."""
    with _session() as session:
        user = _user(session, email, acts.Action.ACCOUNT_ROLES)
        try:
            changed = agency_accounts.change_roles(
                session, user, {Role(r) for r in roles}, user.team if team is None else team
            )
        except InputError as e:
            kept = f" ({roles_of(roles)} are kept apart)" if e.field == "roles" else ""
            refuse_run(
                session,
                acts.Action.ACCOUNT_ROLES,
                f"refused input: {e.field}{kept}",
                subject=acts.Subject("user", user.id),
                agency_id=user.agency_id,
                message=e.message,
            )
        session.commit()
        if changed:
            click.echo(
                f"User {user.id} now holds {', '.join(sorted(roles))}; their sessions have ended."
            )
        else:
            click.echo(f"User {user.id} already holds those roles; nothing changed.")


@users.command("unlock")
@click.argument("email")
def users_unlock(email: str) -> None:
    """Lift the lock-out of an account locked after failed attempts to sign in."""
    with _session() as session:
        user = _user(session, email, acts.Action.ACCOUNT_UNLOCK)
        if agency_accounts.unlock(session, user):
            session.commit()
            click.echo(f"User {user.id} is unlocked and can sign in again.")
        else:
            click.echo(f"User {user.id} is not locked out.")


@users.command("sweep")
def users_sweep() -> None:
    """Forget failed sign-ins older than the hour they count for, sign-ins half done
    (the security code still to come) past their five minutes, and the public Community
    Trigger form's sends older than the hour they count for (run hourly)."""
    now = clock.now()
    with _session() as session:
        failures = sign_in_limits.forget_old(session, now)
        steps = sign_in_sessions.forget_old_steps(session, now, PENDING_FOR)
        sends = public_form_limits.forget_old(session, now)
        session.commit()
    click.echo(
        f"{failures} failed sign-in(s) older than an hour forgotten; "
        f"{steps} sign-in(s) half done past their {PENDING_FOR.seconds // 60} minutes "
        f"forgotten; {sends} send(s) of the public Community Trigger form older than an "
        "hour forgotten."
    )


@click.group(cls=AppGroup)
def sso() -> None:
    """Agencies' own identity providers (single sign-on)."""


@sso.command("check", with_appcontext=False)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def sso_check(file: Path | None) -> None:
    """Check an identity providers file (default: the configured one) and ask each
    provider for its discovery document, as the hub will when someone signs in."""
    try:
        settings = load_settings(verify=False)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    path = file or settings.identity_providers
    if path is None:
        click.echo("No identity providers are configured: everyone signs in with a password.")
        return
    try:
        providers = load_identity_providers(path, production=settings.production)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    agencies = _known_agencies()
    problems = 0
    for code, provider in sorted(providers.items()):
        if agencies is not None and code not in agencies:
            click.echo(f"[{code}]: no agency has this code in the hub")
            problems += 1
            continue
        try:
            metadata = discover(provider, timeout=10)
        except DiscoveryFailed as e:
            click.echo(f"[{code}]: {e}")
            problems += 1
            continue
        end_session = "offers" if metadata.get("end_session_endpoint") else "does not offer"
        click.echo(f"[{code}]: {provider.issuer} answers; it {end_session} a sign-out address")
    if problems:
        raise click.ClickException(f"{problems} of {len(providers)} provider(s) cannot be used")
    click.echo(f"{len(providers)} provider(s) checked: no problems")
