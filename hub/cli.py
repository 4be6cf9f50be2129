"""The ``hub`` command: Flask's commands (``run``, ``routes``, ``shell``) plus the hub's own.

Here: the command group, the database schema, the server and the demo; each other group
is a ``hub.cli_*`` module of its own, added to the command here."""

from __future__ import annotations

import sys
from typing import Any

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hub import migrate
from hub.app import START_ERRORS, create_app
from hub.cli_api import api
from hub.cli_audit import audit
from hub.cli_backup import backup, restore
from hub.cli_cases import documents, erase, import_
from hub.cli_checks import letters, statements, stock, survey, wards
from hub.cli_keys import keys
from hub.cli_notices import notices
from hub.cli_partnership import agencies, areas
from hub.cli_protocols import protocols, trigger
from hub.cli_session import _session, record_usage_refused
from hub.cli_users import sso, users
from hub.config import load_settings
from hub.database import engine, unusable
from hub.serve import serve
from hub.setting_values import bind_problem
from sharing import clock
from sharing.audit.acts import AuditUnavailable
from sharing.demo import DemoError, build_demo
from sharing.errors import UpgradeStopped
from sharing.models import Agency
from sharing.trigger.workdays import CalendarExhausted


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


#: The words a ``hub`` command was started with, kept in its context's ``meta``.
WORDS = "hub.words"


class HubGroup(FlaskGroup):
    """Flask's command group, where a command that meets a database it cannot reach, or
    one without the hub's tables, ends with one line saying so: no SQL, no values typed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[WORDS] = list(args)  # to name a command refused before it had a context
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as refused:  # an option of ``hub`` itself (``hub --bogus``)
            _record_usage_refused(ctx, refused)
            ctx.close()  # click closes no context it could not make: its database goes with it
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as refused:
            _record_usage_refused(ctx, refused)
            raise  # click says what was wrong and ends with status 2
        except DBAPIError:
            app = ctx.ensure_object(ScriptInfo).load_app()
            problem = unusable(app.extensions["hub.engine"])
            if problem is None:
                raise
            reason, at_start = problem
            click.echo(f"hub: cannot start: {reason}" if at_start else f"hub: {reason}", err=True)
            sys.exit(2 if at_start else 1)


def _record_usage_refused(ctx: click.Context, refused: click.UsageError) -> None:
    """Record a run refused before its command ran, when the hub starts and its database
    can be reached; when not, nothing is recorded and the refusal is said all the same.
    A group run without a command (``hub users``) is shown its help: asked, not refused.
    Nor is ``hub restore`` recorded: the hub it restores into has no log yet, and starting
    the hub to record it would make, in development, a key store where the backup's copy
    is to go."""
    if isinstance(refused, click.exceptions.NoArgsIsHelpError):
        return
    if _restoring(ctx):
        return
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except SystemExit:  # the hub cannot start, and has said why
        return
    try:
        with app.app_context(), _session() as session:
            record_usage_refused(session, refused, _typed_command(ctx))
    except (SQLAlchemyError, AuditUnavailable):
        return


def _restoring(ctx: click.Context) -> bool:
    """Whether the command typed is ``hub restore``, found without starting the hub."""
    words = [word for word in ctx.meta.get(WORDS, []) if not word.startswith("-")]
    return bool(words) and click.Group.get_command(main, ctx, words[0]) is restore


def _typed_command(ctx: click.Context) -> click.Context:
    """The context of the command the words typed name (``users create``), made again
    from the hub's own command names: what click names when the error it raises names
    no command."""
    for word in ctx.meta.get(WORDS, []):
        group = ctx.command
        if not isinstance(group, click.Group):
            break
        command = None if word.startswith("-") else group.get_command(ctx, word)
        if command is not None:
            ctx = click.Context(command, parent=ctx, info_name=word)
    return ctx


@click.group(cls=HubGroup, create_app=_create_app)
def main() -> None:
    """The partnership hub."""


main.add_command(agencies)
main.add_command(api)
main.add_command(areas)
main.add_command(audit)
main.add_command(backup)
main.add_command(documents)
main.add_command(erase)
main.add_command(import_)
main.add_command(keys)
main.add_command(letters)
main.add_command(notices)
main.add_command(protocols)
main.add_command(restore)
main.add_command(sso)
main.add_command(statements)
main.add_command(stock)
main.add_command(survey)
main.add_command(trigger)
main.add_command(users)
main.add_command(wards)


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
    try:
        migrate.upgrade(engine(), revision)
    except UpgradeStopped as stopped:
        raise click.ClickException(f"the upgrade stopped: {stopped}") from None
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
        except CalendarExhausted as e:
            raise click.ClickException(
                f"the demo's Community Trigger deadlines cannot be counted: {e}"
            ) from None
        session.commit()
    click.echo(
        f"Demo partnership built: {summary.agencies} agencies, {summary.users} users, "
        f"{summary.cases} cases, {summary.incidents} incidents, {summary.documents} files. "
        "Sign-ins are listed in README.md."
    )
