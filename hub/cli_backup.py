"""``hub backup`` and ``hub restore`` (see ``hub.backup``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext

from hub import migrate
from hub.app import START_ERRORS, create_app
from hub.backup import make_backup, restore_backup
from hub.backup_manifest import BackupError, taken_at
from hub.cli_session import ON_THE_COMMAND_LINE
from hub.config import load_settings
from hub.database import audit_origin, key_store, new_session
from hub.templating import uk_datetime
from sharing.audit import acts
from sharing.audit.verification import verify
from sharing.cases.document_store import check_store
from sharing.crypto.rotation import KeyCoverage, key_coverage
from sharing.db import make_engine
from sharing.files.stores import StoreError, store_at


def _fail(message: str) -> NoReturn:
    click.echo(f"hub: {message}", err=True)
    sys.exit(1)


@click.command("backup")
@click.option(
    "--to",
    "to",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the backup (the database and the sealed case files).",
)
@click.option(
    "--keys-to",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the key store's copy: somewhere else than --to.",
)
@with_appcontext
def backup(to: Path, keys_to: Path) -> None:
    """Back up the database and the case files into a new folder under --to, and copy the
    key store into --keys-to, kept apart. Run it after `hub keys finalise-erasures`: a
    backup taken before a rotation cannot be read after it."""
    settings = current_app.config["HUB_SETTINGS"]
    with new_session() as session:
        try:
            made = make_backup(
                current_app.extensions["hub.engine"],
                session,
                key_store(),
                settings.key_store,
                current_app.extensions["hub.file_store"],
                to,
                keys_to,
                schema_revision=migrate.current_revision(session),
            )
        except BackupError as e:
            acts.refuse(
                session,
                acts.Action.HUB_BACKUP,
                subject=acts.Subject("hub"),
                reason=ON_THE_COMMAND_LINE + _why_no_backup(to, keys_to),
            )
            acts.roll_back_keeping_refusals(session)
            _fail(f"backup: {e}")
    manifest = made.manifest
    audit = manifest["audit_log"]
    assert isinstance(audit, dict)  # noqa: S101 - written just above
    files = manifest["files"]
    assert isinstance(files, dict)  # noqa: S101
    click.echo(f"Backed up the {manifest['database']} database to {made.folder}")
    click.echo(f"  case files: {len(files) - 1}; audit log: {audit['size']} entries")
    click.echo(f"  key versions its data keys need: {_versions(manifest['key_versions_needed'])}")
    click.echo(f"Copied the key store to {made.key_store_copy}: keep it apart from the backup.")


def _why_no_backup(to: Path, keys_to: Path) -> str:
    """A refused backup's reason, in general terms: never the folders named."""
    to, keys_to = to.resolve(), keys_to.resolve()
    if to == keys_to or to in keys_to.parents or keys_to in to.parents:
        return "refused input: --keys-to (the key store's copy is not kept apart from --to)"
    return "the backup could not be written"


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--keys-from",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The key store's copy, put where the settings name the key store "
    "(default: use the key store there already).",
)
def restore(folder: Path, keys_from: Path | None) -> None:
    """Restore the backup in FOLDER into the empty database and file store the settings
    name, then check it: the audit log, the case files, and which data keys the key store
    opens. Exit 1 if anything does not check."""
    try:
        settings = load_settings(verify=False)  # the key store may not be there yet
        files = store_at(
            settings.document_store,
            instance_path=settings.instance_path,
            endpoint_url=settings.document_store_endpoint,
            region=settings.document_store_region,
        )
        engine = make_engine(settings.database_url)
        try:
            manifest = restore_backup(folder, engine, files, settings.key_store, keys_from)
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        app = create_app()
    except (BackupError, StoreError, *START_ERRORS) as e:
        _fail(f"restore: {e}")
    click.echo(
        f"Restored the {manifest['database']} database and case files of the backup taken "
        f"{uk_datetime(taken_at(manifest))}."
    )
    try:
        with app.app_context():
            problem = current_app.extensions["hub.keys"].problem
            if problem:
                _fail(f"restore: the key store cannot be used: {problem}")
            good = _checked()
    finally:
        app.extensions["hub.engine"].dispose()
    if not good:
        sys.exit(1)


def _checked() -> bool:
    """Check the restored hub, saying what was found; whether it all checks."""
    good = True
    with new_session() as session:
        result = verify(session, public_key=key_store().checkpoint_public_key())
        if result.ok:
            click.echo(f"  audit log: {result.size} entries, whole")
        else:
            click.echo(f"  audit log: FAILED: {result.problem}")
            good = False
        report = check_store(session, current_app.extensions["hub.file_store"])
        damaged = len(report.missing) + len(report.altered)
        click.echo(
            f"  case files: {report.checked} documents checked, "
            f"{len(report.missing)} missing, {len(report.altered)} altered"
        )
        good = good and not damaged
        keys = key_coverage(session, key_store())
        click.echo(f"  data keys: {_keys_line(keys)}")
        if keys.unopened:
            good = False
            click.echo(f"  {keys.unopened} data keys cannot be opened.")
            retired = sorted(set(keys.versions) - keys.held)
            if retired:
                click.echo(
                    f"  Key version(s) {_versions(retired)} wrap some of them, which this key "
                    "store no longer holds. A rotation since the backup retired them (it made "
                    "erasures final): restore a backup taken after the last rotation."
                )
            foreign = sorted((set(keys.versions) & keys.held) - keys.opened)
            if foreign:
                click.echo(
                    f"  Key version(s) {_versions(foreign)} wrap some of them, which this key "
                    "store holds but whose keys do not open them: it is not the key store "
                    "the backup's keys were wrapped with, or a damaged copy of it. Restore "
                    "with the key store copy taken with the backup (or since)."
                )
        if good:
            acts.record(
                session,
                acts.Action.HUB_RESTORE,
                subject=acts.Subject("hub"),
                basis=f"audit log of {result.size} entries restored, origin {audit_origin()}",
            )
            session.commit()
            click.echo("OK: the restored hub reads its cases and its audit log is whole.")
    return good


def _keys_line(keys: KeyCoverage) -> str:
    live = sum(keys.versions.values())
    parts = [
        f"version {v}: {n} ({'opened' if v in keys.opened else 'NOT HELD' if v not in keys.held else 'DOES NOT OPEN'})"
        for v, n in sorted(keys.versions.items())
    ]
    return "; ".join([f"{live} live, {keys.destroyed} destroyed (erased)", *parts])


def _versions(versions: object) -> str:
    listed = ", ".join(str(v) for v in versions) if isinstance(versions, list) else ""
    return listed or "none"
