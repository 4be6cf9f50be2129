"""The ``hub`` command: Flask's commands (``run``, ``routes``, ``shell``) plus the hub's own."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from hub import migrate
from hub import notices as hub_notices
from hub.app import START_ERRORS, create_app
from hub.cli_audit import audit
from hub.cli_backup import backup, restore
from hub.config import ConfigError, bind_problem, load_settings, review_days
from hub.database import engine, new_session, unusable
from hub.identity_providers import DiscoveryFailed, discover, load_identity_providers
from hub.serve import serve
from hub.templating import uk_datetime
from sharing import accounts, agency_accounts, api_clients, clock, sign_in_sessions
from sharing import notices as sharing_notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import documents as case_documents
from sharing.cases import standard_letters
from sharing.cases import survey as closure_survey
from sharing.cases.erasure import erase_case
from sharing.crypto import blind_index
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import KeyringError, LocalKeyring
from sharing.crypto.rotation import finalise_erasures, key_coverage, key_status, rotate
from sharing.demo import DemoError, build_demo
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.figures import stock as housing_stock
from sharing.figures import wards as ward_boundaries
from sharing.imports.case_rows import FileRejected
from sharing.imports.cases import import_cases
from sharing.models import Agency, ApiClient, Case, User, Ward
from sharing.protocols import ProtocolInvalid, check_file
from sharing.protocols import records as protocol_records
from sharing.protocols.checker import read_text
from sharing.protocols.problems import Problem
from sharing.trigger import procedure as trigger_procedure
from sharing.trigger import retention as trigger_retention
from sharing.vocabulary import AgencyType, Role, SessionEnd


def _create_app() -> Flask:
    try:
        app = create_app()
    except START_ERRORS as e:
        click.echo(f"hub: cannot start: {e}", err=True)
        sys.exit(2)
    # A server's worker starts whatever the key store's state (its pages say what is
    # wrong); a command stops at once, saying it.
    problem = app.extensions["hub.keys"].problem
    if problem:
        click.echo(f"hub: cannot start: {problem}", err=True)
        sys.exit(2)
    # A command's connections are closed when it ends, not left to the garbage collector.
    context = click.get_current_context(silent=True)
    if context is not None:
        context.find_root().call_on_close(app.extensions["hub.engine"].dispose)
    return app


class HubGroup(FlaskGroup):
    """Flask's command group, where a command that meets a database it cannot reach, or
    one without the hub's tables, ends with one line saying so: no SQL, no values typed."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError:
            app = ctx.ensure_object(ScriptInfo).load_app()
            problem = unusable(app.extensions["hub.engine"])
            if problem is None:
                raise
            reason, at_start = problem
            click.echo(f"hub: cannot start: {reason}" if at_start else f"hub: {reason}", err=True)
            sys.exit(2 if at_start else 1)


@click.group(cls=HubGroup, create_app=_create_app)
def main() -> None:
    """The partnership hub."""


def _session() -> Session:
    return new_session()


main.add_command(audit)
main.add_command(backup)
main.add_command(restore)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to the configured database."""
    if revision != "head" and revision not in migrate.known_revisions():
        raise click.BadParameter(
            f"{revision!r} is not a migration of this hub (head, or an id in migrations/versions)",
            param_hint="--revision",
        )
    migrate.upgrade(engine(), revision)
    click.echo(f"Database is at migration {revision}.")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    config = migrate.alembic_config(engine().url.render_as_string(hide_password=False))
    command.revision(config, message=message, autogenerate=True)


@main.command("serve", with_appcontext=False)
@click.option("--bind", help="host:port to listen on (default: the server_bind setting).")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Worker processes (default: server_workers)."
)
def serve_command(bind: str | None, workers: int | None) -> None:
    """Run the hub under gunicorn, as in production: workers and timeouts from settings."""
    problem = bind_problem(bind) if bind is not None else None
    if problem:
        click.echo(f"hub: cannot start: --bind {problem}", err=True)
        sys.exit(2)
    try:
        settings = load_settings()
        # Each worker builds its own app; one built here first says what stops them all.
        create_app(settings).extensions["hub.engine"].dispose()
    except START_ERRORS as e:
        click.echo(f"hub: cannot start: {e}", err=True)
        sys.exit(2)
    serve(settings, bind, workers)


@main.command("demo")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing if the database already has a partnership."
)
@click.option("--seed", default=2026, show_default=True, help="Seed for the generated data.")
def demo(if_empty: bool, seed: int) -> None:
    """Build the fictional demo partnership (development only)."""
    if current_app.config["HUB_SETTINGS"].production:
        raise click.ClickException("the demo partnership is never built in production")
    with _session() as session:
        if if_empty and session.scalar(select(func.count()).select_from(Agency)):
            click.echo("The database already has a partnership; not building the demo.")
            return
        try:
            summary = build_demo(
                session,
                today=clock.today(),
                seed=seed,
                store=current_app.extensions["hub.file_store"],
            )
        except DemoError as e:
            raise click.ClickException(str(e)) from None
        session.commit()
    click.echo(
        f"Demo partnership built: {summary.agencies} agencies, {summary.users} users, "
        f"{summary.cases} cases, {summary.incidents} incidents, {summary.documents} files. "
        "Sign-ins are listed in README.md."
    )


@main.group()
def users() -> None:
    """Local user accounts."""


def _read_password(prompt: bool) -> str:
    if prompt and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


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
def users_create(
    agency_code: str, email: str, display_name: str, roles: tuple[str, ...], team: str | None
) -> None:
    """Create a local account. The password is asked for (or read from standard input)."""
    with _session() as session:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.ClickException(f"no agency with the code {agency_code!r}")
        try:
            user = accounts.create_user(
                session,
                agency=agency,
                email=email,
                display_name=display_name,
                roles={Role(r) for r in roles},
                password=_read_password(prompt=True),
                team=team,
            )
        except accounts.AccountError as e:
            raise click.ClickException(str(e)) from None
        session.commit()
        note = (
            " They will set up an authenticator app at first sign-in."
            if user.second_factor_required
            else ""
        )
        click.echo(f"Created user {user.id} ({user.email}).{note}")


@users.command("reset-password")
@click.argument("email")
@click.option("--reset-second-factor", is_flag=True, help="Also remove their authenticator app.")
def users_reset_password(email: str, reset_second_factor: bool) -> None:
    """Set a new password, lift any lock-out and end the user's sessions."""
    with _session() as session:
        user = _user(session, email)
        try:
            accounts.reset_password(session, user, _read_password(prompt=True))
        except accounts.AccountError as e:
            raise click.ClickException(str(e)) from None
        if reset_second_factor:
            accounts.reset_second_factor(session, user)
        session.commit()
        click.echo(f"Password reset for user {user.id}; their sessions have ended.")


def _user(session: Session, email: str) -> User:
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException("no user with that e-mail address")
    return user


@users.command("sign-out")
@click.argument("email")
def users_sign_out(email: str) -> None:
    """End every session of the user at once (they can sign in again)."""
    with _session() as session:
        user = _user(session, email)
        ended = sign_in_sessions.end_all(session, user, SessionEnd.ENDED_BY_MANAGER)
        session.commit()
        click.echo(f"Ended {ended} sessions of user {user.id}.")


@users.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Disable an account: its sessions end at once and it cannot sign in."""
    with _session() as session:
        user = _user(session, email)
        agency_accounts.set_active(session, user, False)
        session.commit()
        click.echo(f"User {user.id} is disabled; their sessions have ended.")


@users.command("enable")
@click.argument("email")
def users_enable(email: str) -> None:
    """Let a disabled account sign in again."""
    with _session() as session:
        user = _user(session, email)
        agency_accounts.set_active(session, user, True)
        session.commit()
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
        user = _user(session, email)
        try:
            changed = agency_accounts.change_roles(
                session, user, {Role(r) for r in roles}, user.team if team is None else team
            )
        except InputError as e:
            raise click.ClickException(e.message) from None
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
        user = _user(session, email)
        if agency_accounts.unlock(session, user):
            session.commit()
            click.echo(f"User {user.id} is unlocked and can sign in again.")
        else:
            click.echo(f"User {user.id} is not locked out.")


@main.group()
def notices() -> None:
    """Notices by e-mail (conference invitations, requests, minutes, actions due)."""


@notices.command("send")
def notices_send() -> None:
    """Send the notices waiting (run from a timer: those queued by a page go at once)."""
    _send_waiting()


def _send_waiting() -> None:
    delivery = hub_notices.deliver_pending(
        current_app.extensions["hub.sessions"],
        current_app.config["HUB_SETTINGS"],
        current_app.extensions["hub.trigger_procedure"],
        current_app.extensions["hub.letters"].trigger,
    )
    click.echo(f"Sent {delivery.sent} notices; {delivery.failed} failed (tried again next time).")
    for given_up in delivery.given_up:
        click.echo(f"Given up on {given_up}: it will not be sent.")
    if delivery.stopped:
        click.echo(
            f"The mail server could not be used ({delivery.stopped}): the notices and letters "
            "waiting are tried again next time, with no attempt counted against them."
        )
    if delivery.failed or delivery.stopped:
        raise SystemExit(1)


@notices.command("due")
@click.option(
    "--days",
    default=2,
    show_default=True,
    type=click.IntRange(0, 60),
    help="Tell owners of open actions due within this many days.",
)
def notices_due(days: int) -> None:
    """Queue a notice for each open action falling due (once per action and person), then
    send what is waiting. Run daily."""
    with _session() as session:
        queued = sharing_notices.actions_due(session, within_days=days)
        session.commit()
    click.echo(f"Queued {queued} notices of actions due.")
    _send_waiting()


@main.group()
def keys() -> None:
    """Encryption keys: the key store, its versions, rotation."""


@keys.command("init", with_appcontext=False)
@click.option(
    "--expected-persons",
    default=1_000_000,
    show_default=True,
    help="Sizes the blind indexes (see sharing/blind_index.py).",
)
def keys_init(expected_persons: int) -> None:
    """Create the key store named by the settings (mode 0600). Never overwrites one."""
    try:
        settings = load_settings(verify=False)
        store = LocalKeyring.create(settings.key_store, index_lengths(expected_persons))
    except (ConfigError, KeyringError, ValueError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(
        f"Created key store {store.path} with key version 1. Back it up apart from the database backups."
    )


@keys.command("status")
def keys_status() -> None:
    """Key versions and how many data keys each one wraps."""
    provider = current_app.extensions["hub.keys"]
    with _session() as session:
        status = key_status(session, provider)
        problem = key_coverage(session, provider).problem()
    for version, count in status.wrapping.items():
        held = "held" if version in provider.versions() else "MISSING from the key store"
        marker = " (active)" if version == status.active else ""
        click.echo(f"version {version}{marker}: wraps {count} data keys; {held}")
    click.echo(f"destroyed data keys (erased records): {status.destroyed}")
    if status.erasures_waiting and status.oldest_waiting is not None:
        hours = current_app.config["HUB_SETTINGS"].erasure_final_hours
        due = status.oldest_waiting + timedelta(hours=hours)
        late = " OVERDUE" if due <= clock.now() else ""
        click.echo(
            f"erasures not yet final:{late} {status.erasures_waiting} destroyed data keys are "
            f"wrapped by a version the key store still holds, so a backup taken before "
            f"they were erased could still be read (the oldest erased "
            f"{uk_datetime(status.oldest_waiting)}, due final by {uk_datetime(due)}): run "
            "`hub keys finalise-erasures`"
        )
    if problem:
        click.echo(problem)
    elif status.pending:
        click.echo(
            f"{status.pending} data keys still wait for the active version: run `hub keys rotate` to finish"
        )
    with _session() as session:
        plain = accounts.plain_authenticator_secrets(session)
        stale = blind_index.stale_records(session)
    if stale:
        click.echo(
            f"search indexes: {stale} records indexed under older rules (a search may miss "
            "them by accents, apostrophes or dashes): run `hub keys reindex`"
        )
    else:
        click.echo("search indexes: every record indexed under the current rules")
    if plain:
        click.echo(
            f"authenticator secrets not yet sealed: {plain} (set up before this release and "
            "not used since): run `hub keys seal-secrets`"
        )
    else:
        click.echo("authenticator secrets: all sealed under the key store")


@keys.command("seal-secrets")
def keys_seal_secrets() -> None:
    """Seal under the key store every authenticator secret still kept in plain (set up
    before migration 0041; the hub also seals each the first time it is used)."""
    with _session() as session:
        sealed = accounts.seal_authenticator_secrets(session)
        session.commit()
    click.echo(f"Sealed {sealed} authenticator secrets; none is left in plain.")


#: The most data keys ``hub keys rotate`` rewraps in one transaction.
MAX_BATCH = 100_000
#: The longest pause between its batches, in seconds.
MAX_PAUSE = 3600.0


def _not_nan(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    """A number of seconds that is a number (``FloatRange`` lets NaN through)."""
    if math.isnan(value):
        raise click.BadParameter(f"nan is not a number of seconds from 0 to {MAX_PAUSE:g}")
    return value


batch_size_option = click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, MAX_BATCH),
    help="Data keys rewrapped per transaction.",
)


@keys.command("reindex")
@batch_size_option
def keys_reindex(batch_size: int) -> None:
    """Index again, under the current rules, the people and case locations whose search
    entries were made under older ones (``hub keys status`` counts them)."""
    done = 0
    while True:
        with _session() as session:
            batch = blind_index.reindex(session, limit=batch_size)
            session.commit()
        if not batch:
            break
        done += batch
    click.echo(f"Indexed {done} records again; every search entry is under the current rules.")


@keys.command("finalise-erasures")
@batch_size_option
def keys_finalise_erasures(batch_size: int) -> None:
    """Make erasures final: if any destroyed data key is wrapped by a version the key store
    still holds, rotate (rewrap the live keys, retire that version). Run it from cron or a
    systemd timer, at least as often as erasure_final_hours."""
    provider = current_app.extensions["hub.keys"]
    try:
        done = finalise_erasures(
            current_app.extensions["hub.sessions"], provider, batch_size=batch_size
        )
    except KeyringError as e:
        raise click.ClickException(f"cannot make erasures final: {e}") from None
    if not done.rotations:
        click.echo("Every erasure is final: no destroyed key's version is held.")
        return
    versions = ", then ".join(str(r.version) for r in done.rotations)
    rewrapped = sum(r.rewrapped for r in done.rotations)
    retired = ", ".join(str(v) for r in done.rotations for v in r.retired) or "none"
    click.echo(
        f"{done.made_final} erased data keys made final: rotated to key version {versions} "
        f"({rewrapped} live data keys rewrapped); retired versions: {retired}."
    )
    if done.still_waiting:
        raise click.ClickException(
            f"{done.still_waiting} erasures are not final yet (made while this ran): "
            "run `hub keys finalise-erasures` again"
        )


@keys.command("rotate")
@batch_size_option
@click.option(
    "--pause",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, MAX_PAUSE),
    callback=_not_nan,
    help="Seconds to wait between batches, to spare the database.",
)
def keys_rotate(batch_size: int, pause: float) -> None:
    """Add a key version and rewrap every data key with it, online; resumes if interrupted."""
    provider = current_app.extensions["hub.keys"]

    def progress(done: int, left: int) -> None:
        click.echo(f"rewrapped {done} data keys, {left} to go", err=False)

    try:
        report = rotate(
            current_app.extensions["hub.sessions"],
            provider,
            batch_size=batch_size,
            pause=pause,
            progress=progress,
        )
    except KeyringError as e:
        raise click.ClickException(f"cannot rotate: {e}") from None
    started = "Resumed the rotation to" if report.resumed else "Rotated to"
    retired = ", ".join(str(v) for v in report.retired) or "none"
    erased = f" ({report.skipped} erased meanwhile, left destroyed)" if report.skipped else ""
    click.echo(
        f"{started} key version {report.version}: {report.rewrapped} data keys rewrapped{erased}; retired versions: {retired}."
    )


@main.group("import")
def import_() -> None:
    """Bring records from an agency's own system into the hub."""


@import_.command("cases")
@click.argument("file", type=click.File("rb"))
@click.option("--agency", "agency_code", required=True, help="The agency's code in the hub.")
@click.option(
    "--by", "manager_email", required=True, help="E-mail of the agency's manager importing."
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
def import_cases_command(
    file: IO[bytes], agency_code: str, manager_email: str, dry_run: bool
) -> None:
    """Open a case with its first incident for each row of a CSV file (columns in
    README.md, "Importing cases"). Rows the hub refuses are listed by line and column and
    left out; references imported before are left alone. Exits 1 if any row is refused."""
    with _session() as session:
        actor = _actor(session, manager_email)
        agency = session.get(Agency, actor.agency_id)
        if agency is None or agency.code != agency_code:
            raise click.ClickException(f"{manager_email} is not in the agency {agency_code}")
        try:
            result = import_cases(
                session,
                actor,
                file,
                dry_run=dry_run,
                review_days=review_days(current_app.config["HUB_SETTINGS"]),
            )
        except NotAllowed as e:
            raise click.ClickException(str(e)) from None
        except FileRejected as e:
            raise click.ClickException(f"nothing imported: {e}") from None
    report = result.report
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems_not_kept:
        click.echo(f"... and {report.problems_not_kept:,} more problems")
    verb = "would be opened (dry run: nothing saved)" if dry_run else "opened"
    click.echo(
        f"{report.rows:,} rows: {result.opened:,} cases {verb}, {result.rejected:,} rows "
        f"refused, {result.already_imported:,} imported before and left alone, "
        f"{result.people_matched:,} people already held by the agency"
    )
    if result.rejected:
        sys.exit(1)


@main.group()
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
    """Register a partner system: prints its client id and secret (shown once only)."""
    with _session() as session:
        user = accounts.find_user(session, user_email)
        if user is None:
            raise click.ClickException("no user with that e-mail address")
        try:
            registered = api_clients.register(session, user=user, name=name, scopes=list(scopes))
        except InputError as e:
            raise click.ClickException(e.message) from None
        session.commit()
        click.echo(f"client id:     {registered.client.client_id}")
        click.echo(f"client secret: {registered.secret}")
        click.echo(
            "Give both to the partner's system over a secure channel: the secret is not kept."
        )


@api_clients_group.command("list")
def api_clients_list() -> None:
    """The registered partner systems, their agency, account, scopes and state."""
    with _session() as session:
        for client in session.scalars(select(ApiClient).order_by(ApiClient.id)):
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
    """Revoke a partner system: no more tokens, and its tokens stop working at once."""
    with _session() as session:
        try:
            api_clients.revoke(session, client_id)
        except NotFound:
            raise click.ClickException(f"no API client {client_id}") from None
        session.commit()
        click.echo(f"API client {client_id} revoked.")


@main.group()
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


@main.group()
def erase() -> None:
    """Erase records by destroying their keys (cannot be undone)."""


def _actor(session: Session, email: str) -> Actor:
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException("no user with that e-mail address")
    return Actor.of(user)


@erase.command("case")
@click.argument("reference")
@click.option(
    "--by",
    "manager_email",
    required=True,
    help="E-mail of the owning agency's manager deciding the erasure.",
)
@click.option("--with-people", is_flag=True, help="Also erase the people who are on no other case.")
@click.confirmation_option(prompt="Erasing cannot be undone. Continue?")
def erase_case_command(reference: str, manager_email: str, with_people: bool) -> None:
    """Erase a case (for example at the end of its retention period)."""
    with _session() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        try:
            if case_id is None:
                raise NotFound(reference)
            authorised = authorise(session, _actor(session, manager_email), case_id, Act.ERASE)
            case = erase_case(session, authorised, with_people=with_people)
        except NotFound:
            acts.roll_back_keeping_refusals(session)  # the refusal is kept, as on the page
            raise click.ClickException(f"no case {reference} in the manager's agency") from None
        except NotAllowed as e:
            acts.roll_back_keeping_refusals(session)
            raise click.ClickException(str(e)) from None
        session.commit()
        click.echo(f"Case {case.reference} erased.")


@main.group()
def protocols() -> None:
    """Information sharing protocols."""


@protocols.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def protocols_check(files: tuple[Path, ...]) -> None:
    """Check protocol files; print every problem with file, line, field and what is allowed.

    Agency codes are checked against the configured database when it can be reached."""
    _check_files(files, check_file)


def _configured(setting: str) -> tuple[Path, ...]:
    """The file a setting names, for a check command given no file."""
    try:
        return (getattr(load_settings(verify=False), setting),)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


def _report(files: Sequence[Path], check: Callable[[Path], list[Problem]]) -> None:
    """Print every problem ``check`` finds in ``files`` and fail if there are any."""
    problems = [p for path in files for p in check(path)]
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(files)} file(s)"
        )
    click.echo(f"{len(files)} file(s) checked: no problems")


def _check_files(
    files: Sequence[Path],
    check: Callable[[Path, Any], list[Problem]],
    known: Callable[[], Any] | None = None,
    unchecked: str = "agency codes not checked: no database",
) -> None:
    """Print every problem ``check`` finds in ``files`` (against what ``known`` finds in the
    database, by default its agencies, when it can be reached) and fail if there are any."""
    found = (known or _known_agencies)()
    problems = [p for path in files for p in check(path, found)]
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(files)} file(s)"
        )
    click.echo(f"{len(files)} file(s) checked: no problems" + ("" if found else f" ({unchecked})"))


def _known_agencies() -> dict[str, AgencyType] | None:
    try:
        app = create_app()
    except START_ERRORS:
        return None
    with app.app_context(), new_session() as session:
        try:
            return {a.code: a.type for a in session.scalars(select(Agency))} or None
        except SQLAlchemyError:
            return None


@protocols.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--by", "dpo_email", required=True, help="E-mail of the data protection officer importing it."
)
def protocols_import(file: Path, dpo_email: str) -> None:
    """Import a protocol file as a draft, for each party's signatory to sign in the hub."""
    text = read_text(file)
    if isinstance(text, Problem):
        click.echo(str(text))
        raise click.ClickException("the file was not imported")
    with _session() as session:
        actor = _actor(session, dpo_email)
        try:
            record = protocol_records.import_protocol(session, actor, text, source=str(file))
        except ProtocolInvalid as e:
            for problem in e.problems:
                click.echo(str(problem))
            raise click.ClickException("the file was not imported") from None
        except (NotAllowed, InputError) as e:
            raise click.ClickException(str(e)) from None
        session.commit()
        click.echo(
            f"Imported {record.key} version {record.version} as a draft: each party's signatory signs it in the hub."
        )


@protocols.command("sweep")
def protocols_sweep() -> None:
    """Record versions a new one has taken over from, expire protocols past their end date
    and tell DPOs of reviews due (run daily)."""
    with _session() as session:
        expired, due = protocol_records.sweep(session, clock.today())
        session.commit()
    click.echo(f"{len(expired)} protocol(s) expired; {len(due)} review(s) newly notified to DPOs.")


@main.group()
def survey() -> None:
    """The complainant's satisfaction survey at a case's closure."""


@survey.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def survey_check(files: tuple[Path, ...]) -> None:
    """Check closure survey files (default: the configured one); print every problem with
    file, line, field and what is allowed."""
    _report(files or _configured("closure_survey"), closure_survey.check_file)


@main.group()
def documents() -> None:
    """Files attached to cases, and the store that keeps them."""


@documents.command("check")
@click.option(
    "--delete-orphans",
    is_flag=True,
    help="Delete the store's files that no document names (left by an attach that failed).",
)
def documents_check(delete_orphans: bool) -> None:
    """Check every document's file and preview in the store against the hash the database
    holds; name each one missing or altered (case reference, document id); count the
    store's files that no document names. Exit 1 if any is missing or altered."""
    store = current_app.extensions["hub.file_store"]
    with _session() as session:
        report = case_documents.check_store(session, store)
    for what, found in (("missing", report.missing), ("altered", report.altered)):
        for reference, document_id, part in found:
            click.echo(f"{what}: the {part} of document {document_id} of case {reference}")
    click.echo(
        f"{report.checked} document(s) checked in the {store.describe()}: "
        f"{len(report.missing)} missing, {len(report.altered)} altered, "
        f"{len(report.orphans)} file(s) no document names"
    )
    if delete_orphans:
        for key in report.orphans:
            store.delete(key)
        click.echo(f"{len(report.orphans)} file(s) no document names deleted")
    if report.missing or report.altered:
        raise click.ClickException("the file store does not match the database")


@main.group()
def letters() -> None:
    """The standard letters of an ASB case."""


@letters.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def letters_check(files: tuple[Path, ...]) -> None:
    """Check letters files (default: the configured one); print every problem with file,
    line, field and what is allowed. Each agency given a contact line is checked to be
    one of the partnership's when the configured database can be reached."""
    _check_files(files or _configured("letters"), standard_letters.check_file)


@main.group()
def stock() -> None:
    """Each social landlord's homes, by tenure, as at a date."""


@stock.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def stock_check(files: tuple[Path, ...]) -> None:
    """Check housing stock files (default: the configured one); print every problem with
    file, line, field and what is allowed. Each agency is checked to be a landlord of the
    partnership when the configured database can be reached."""
    files = files or _configured("housing_stock")
    _check_files(
        files,
        lambda path, known: housing_stock.check_file(
            path, {code: kind.value for code, kind in known.items()} if known else None
        ),
    )


@main.group()
def wards() -> None:
    """The area's ward boundaries and households, for the figures' rates and map."""


@wards.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def wards_check(files: tuple[Path, ...]) -> None:
    """Check ward boundaries files (default: the configured one); print every problem with
    file, field and what is allowed. Each ward is checked to be one of the partnership's,
    and each of the partnership's to be drawn, when the configured database can be
    reached."""
    files = files or _configured("ward_boundaries")
    _check_files(
        files, ward_boundaries.check_file, _known_wards, "ward names not checked: no database"
    )


def _known_wards() -> list[str] | None:
    try:
        app = create_app()
    except START_ERRORS:
        return None
    with app.app_context(), new_session() as session:
        try:
            return list(session.scalars(select(Ward.name))) or None
        except SQLAlchemyError:
            return None


@main.group()
def trigger() -> None:
    """The Community Trigger (ASB Case Review)."""


@trigger.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def trigger_check(files: tuple[Path, ...]) -> None:
    """Check Community Trigger procedure files (default: the configured one); print every
    problem with file, line, field and what is allowed.

    The lead and relevant bodies are checked against the configured database's agencies
    when it can be reached."""
    if not files:
        try:
            files = (load_settings(verify=False).trigger_procedure,)
        except ConfigError as e:
            raise click.ClickException(str(e)) from None
    _check_files(files, trigger_procedure.check_file)


@trigger.command("sweep")
def trigger_sweep() -> None:
    """Erase the personal data of every application whose retention has ended (run daily);
    counts only."""
    procedure = current_app.extensions["hub.trigger_procedure"]
    with _session() as session:
        swept = trigger_retention.sweep(session, procedure)
        session.commit()
    kept = (
        f"{swept.kept} kept within their retention"
        if procedure.retention
        else f"{swept.kept} kept (the procedure sets no retention)"
    )
    click.echo(
        f"{swept.erased} Community Trigger application(s) erased; {kept}; "
        f"{swept.open} not concluded yet."
    )
