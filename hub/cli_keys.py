"""``hub keys``: the encryption key store, its versions, rotation, and making erasures
final."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from hub.cli_session import _session, refuse_run
from hub.config import load_settings
from hub.database import command_sessions
from hub.settings import ConfigError
from hub.templating import uk_datetime
from sharing import authenticator_apps, clock
from sharing.audit import acts
from sharing.crypto import blind_index
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import KeyringError, LocalKeyring
from sharing.crypto.rotation import finalise_erasures, key_coverage, key_status, rotate


@click.group(cls=AppGroup)
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
        plain = authenticator_apps.plain_authenticator_secrets(session)
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
        sealed = authenticator_apps.seal_authenticator_secrets(session)
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
        done = finalise_erasures(command_sessions(), provider, batch_size=batch_size)
    except KeyringError as e:
        _refused_rotation(f"cannot make erasures final: {e}")
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


def _refused_rotation(message: str) -> NoReturn:
    """A rotation refused, before any key changed, because the key store cannot open some
    live data keys: recorded as a refused rotation, and the command ends saying why."""
    with _session() as session:
        refuse_run(
            session,
            acts.Action.KEYS_ROTATE,
            "the key store cannot open some live data keys",
            subject=acts.Subject("key_store"),
            message=message,
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
            command_sessions(),
            provider,
            batch_size=batch_size,
            pause=pause,
            progress=progress,
        )
    except KeyringError as e:
        _refused_rotation(f"cannot rotate: {e}")
    started = "Resumed the rotation to" if report.resumed else "Rotated to"
    retired = ", ".join(str(v) for v in report.retired) or "none"
    erased = f" ({report.skipped} erased meanwhile, left destroyed)" if report.skipped else ""
    click.echo(
        f"{started} key version {report.version}: {report.rewrapped} data keys rewrapped{erased}; retired versions: {retired}."
    )
