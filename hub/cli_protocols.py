"""``hub protocols`` and ``hub trigger``: the information sharing protocols and the
Community Trigger procedure the partnership agrees; check their files, import a protocol,
and the daily sweeps."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from hub.cli_checks import _check_files
from hub.cli_session import _actor, _session
from hub.config import load_settings
from hub.settings import ConfigError
from sharing import clock
from sharing.audit import acts
from sharing.cases import emergency
from sharing.errors import InputError, NotAllowed
from sharing.protocols import ProtocolInvalid, check_file
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols.checker import read_text
from sharing.protocols.problems import Problem
from sharing.trigger import procedure as trigger_procedure
from sharing.trigger import retention as trigger_retention


@click.group(cls=AppGroup)
def protocols() -> None:
    """Information sharing protocols."""


@protocols.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def protocols_check(files: tuple[Path, ...]) -> None:
    """Check protocol files; print every problem with file, line, field and what is allowed.

    Agency codes are checked against the configured database when it can be reached."""
    _check_files(files, check_file)


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
        actor = _actor(session, dpo_email, acts.Action.PROTOCOL_IMPORT)
        try:
            record = protocol_lifecycle.import_protocol(session, actor, text, source=str(file))
        except ProtocolInvalid as e:
            acts.roll_back_keeping_refusals(session)  # the refusal is kept, as on the page
            for problem in e.problems:
                click.echo(str(problem))
            raise click.ClickException("the file was not imported") from None
        except (NotAllowed, InputError) as e:
            acts.roll_back_keeping_refusals(session)
            raise click.ClickException(str(e)) from None
        session.commit()
        click.echo(
            f"Imported {record.key} version {record.version} as a draft: each party's signatory signs it in the hub."
        )


@protocols.command("sweep")
def protocols_sweep() -> None:
    """Record versions a new one has taken over from, expire protocols past their end date,
    tell DPOs of reviews due, and erase the reasons of emergency accesses past the
    emergency protocol's retention (run daily)."""
    with _session() as session:
        expired, due = protocol_lifecycle.sweep(session, clock.today())
        erased = emergency.sweep(session, clock.today())
        session.commit()
    click.echo(
        f"{len(expired)} protocol(s) expired; {len(due)} review(s) newly notified to DPOs; "
        f"{erased} emergency access record(s) past their {emergency.KEPT_YEARS} years erased."
    )


@click.group(cls=AppGroup)
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
