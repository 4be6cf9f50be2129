"""Backing the hub up and restoring it: the database, the sealed case files, and the key
store, the last kept apart from the other two.

A backup is a folder ``hub-backup-<UTC time>`` holding the database (PostgreSQL: a
``pg_dump`` in its custom format, one consistent snapshot; SQLite: a copy made with
SQLite's own backup API, consistent while the hub writes), the case files as the store
holds them (sealed: they cannot be read without the key store), and ``manifest.json``:
when it was taken, the schema revision, the audit log's size and root, the key versions
its data keys need, and each file's SHA-256. The key store is copied to a folder of its
own (``keyring-<UTC time>.json``, mode 0600), which must not be inside the backup's
folder nor hold it: a thief with both reads every case.

A restore goes into an empty database only (PostgreSQL: one made with ``createdb``;
SQLite: a file that does not exist yet), checks each file against the manifest first,
checks that the key store opens the backup's data keys (``hub.backup_keys``: a data key
wrapped by a version the key store no longer holds cannot be opened, which is what a
rotation since the backup does to it, an erasure made final), all before it writes
anything; then puts the key store copy where the settings name it (never over one that
is there) and applies the migrations the backup predates; ``hub restore`` then reports
which data keys the key store opens (``sharing.crypto.rotation.key_coverage``).

Here: taking a backup and restoring one. What a backup holds and reading its manifest are
``hub.backup_manifest``; copying the database (SQLite's copy, ``pg_dump`` and
``pg_restore``) is ``hub.backup_databases``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from hub.backup_databases import (
    database_kind,
    dump_postgres,
    postgres_program,
    restore_postgres,
    sqlite_copy,
)
from hub.backup_keys import key_store_problem
from hub.backup_manifest import (
    DATABASE_FILE,
    DOCUMENTS,
    FORMAT,
    MANIFEST,
    BackupError,
    read_manifest,
    sha256,
    write_new,
)
from sharing import clock
from sharing.audit import acts
from sharing.audit.notes import b64
from sharing.audit.tree import read_head
from sharing.crypto.keys import KeyProvider
from sharing.crypto.rotation import key_status
from sharing.files.stores import FileStore, StoreError


@dataclass(frozen=True)
class Made:
    """A backup just taken: its folder, the key store's copy, and what its manifest says."""

    folder: Path
    key_store_copy: Path
    manifest: dict[str, object]


def make_backup(
    engine: Engine,
    session: Session,
    keys: KeyProvider,
    key_store_file: Path,
    files: FileStore,
    to: Path,
    keys_to: Path,
    *,
    schema_revision: str | None,
) -> Made:
    """Back up the database and the case files into a new folder under ``to`` and copy the
    key store file into ``keys_to`` (see the module's docstring)."""
    to, keys_to = to.resolve(), keys_to.resolve()
    if to == keys_to or to in keys_to.parents or keys_to in to.parents:
        raise BackupError(
            f"the key store's copy must be kept apart from the backup: {keys_to} and {to} "
            "are the same folder or one holds the other"
        )
    kind = database_kind(engine.url)
    now = clock.now()
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        to.mkdir(parents=True, mode=0o700, exist_ok=True)
        keys_to.mkdir(parents=True, mode=0o700, exist_ok=True)
        folder = _new_folder(to, f"hub-backup-{stamp}")
    except OSError as e:
        raise BackupError(f"cannot make the backup's folders ({e.strerror}: {e.filename})") from e
    # The log records the backup before the dump is taken, so the backup holds it too.
    acts.record(session, acts.Action.HUB_BACKUP, subject=acts.Subject("hub"), basis=folder.name)
    session.commit()
    head = read_head(session)
    needed = [v for v, n in key_status(session, keys).wrapping.items() if n]
    session.rollback()  # nothing held open while the database is dumped
    key_copy = keys_to / f"keyring-{folder.name.removeprefix('hub-backup-')}.json"
    try:
        hashes = _write_backup(engine, files, key_store_file, folder, key_copy, kind)
        _check_key_copy(needed, folder / DATABASE_FILE[kind], kind, key_copy)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half made is left to restore
        raise
    manifest: dict[str, object] = {
        "format": FORMAT,
        "taken_at": now.isoformat(),
        "database": kind,
        "schema_revision": schema_revision,
        "audit_log": {
            "size": head.size if head else 0,
            "root": b64(head.root) if head else None,
        },
        "key_versions_needed": needed,
        "key_versions_held": sorted(keys.versions()),
        "files": hashes,
    }
    write_new(folder / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
    return Made(folder, key_copy, manifest)


def _write_backup(
    engine: Engine, files: FileStore, key_store_file: Path, folder: Path, key_copy: Path, kind: str
) -> dict[str, str]:
    """Write the database, the case files and the key store's copy; the SHA-256 of each
    file of the backup, by its name in the folder."""
    database = folder / DATABASE_FILE[kind]
    if kind == "postgresql":
        dump_postgres(engine.url, database)
    else:
        sqlite_copy(Path(str(engine.url.database)), database)
    # The files after the database: every document the dump names has its file (one
    # attached meanwhile is a file no document names, which `hub documents check` counts).
    documents = folder / DOCUMENTS
    documents.mkdir(mode=0o700)
    try:
        names = sorted(files.keys())
        for name in names:
            write_new(documents / name, files.get(name))
    except StoreError as e:
        raise BackupError(f"cannot copy the case files from the {files.describe()}: {e}") from e
    try:
        write_new(key_copy, key_store_file.read_bytes())
    except OSError as e:
        raise BackupError(f"cannot copy the key store {key_store_file} ({e.strerror})") from e
    return {
        database.name: sha256(database),
        **{f"{DOCUMENTS}/{n}": sha256(documents / n) for n in names},
    }


def _check_key_copy(needed: list[int], database: Path, kind: str, key_copy: Path) -> None:
    """BackupError, the key store's copy removed, unless the copy opens the data keys of
    the database as dumped: a key rotation that retired a version between the dump and
    the copy (``hub keys rotate`` or ``finalise-erasures`` run meanwhile) leaves a backup
    that no key store copy opens, found now rather than on the day it is restored."""
    pg_restore = postgres_program("pg_restore") if kind == "postgresql" else None
    if key_store_problem(needed, database, kind, key_copy, pg_restore) is None:
        return
    key_copy.unlink(missing_ok=True)
    raise BackupError(
        "the key store's copy does not open the data keys of the database as it was "
        "dumped: a key rotation (hub keys rotate or finalise-erasures) ran while the "
        "backup was taken. Nothing was kept: take the backup again once it has finished"
    )


def restore_backup(
    folder: Path, engine: Engine, files: FileStore, key_store_file: Path, keys_from: Path | None
) -> dict[str, object]:
    """Restore the backup in ``folder`` into ``engine``'s empty database and the file
    store, and put the key store copy ``keys_from`` (if given) where the settings name it.
    Returns the manifest. Checks everything it can before it writes anything."""
    manifest = read_manifest(folder)
    kind = database_kind(engine.url)
    if manifest["database"] != kind:
        raise BackupError(f"this is a backup of a {manifest['database']} database, not {kind}")
    if kind == "sqlite":  # the database is a file: its folder may not be there yet
        Path(str(engine.url.database)).parent.mkdir(parents=True, exist_ok=True)
    if inspect(engine).get_table_names():
        raise BackupError(
            "the database to restore into already has tables: restore only into an empty "
            "database (PostgreSQL: createdb; SQLite: a file that does not exist yet)"
        )
    if keys_from is not None:
        if key_store_file.exists():
            raise BackupError(
                f"a key store exists already at {key_store_file}: move it away first, or "
                "leave out --keys-from to use it"
            )
        if not keys_from.is_file():
            raise BackupError(f"the key store copy {keys_from} is not a file")
    elif not key_store_file.exists():
        raise BackupError(
            f"there is no key store at {key_store_file}: name the copy with --keys-from"
        )
    existing = next(iter(files.keys()), None)
    if existing is not None:
        raise BackupError(f"the {files.describe()} holds files already: restore into an empty one")
    database = folder / DATABASE_FILE[kind]
    needed = manifest["key_versions_needed"]
    assert isinstance(needed, list)  # noqa: S101 - checked with the manifest
    pg_restore = postgres_program("pg_restore") if kind == "postgresql" else None
    problem = key_store_problem(needed, database, kind, keys_from or key_store_file, pg_restore)
    if problem:
        raise BackupError(problem)
    if kind == "postgresql":
        restore_postgres(database, engine.url)
    else:
        engine.dispose()
        sqlite_copy(database, Path(str(engine.url.database)))
    documents = folder / DOCUMENTS
    try:
        for path in sorted(documents.iterdir()):
            files.put(path.name, path.read_bytes())
    except StoreError as e:
        raise BackupError(f"cannot put the case files in the {files.describe()}: {e}") from e
    if keys_from is not None:
        key_store_file.parent.mkdir(parents=True, exist_ok=True)
        write_new(key_store_file, keys_from.read_bytes())
    return manifest


def _new_folder(parent: Path, name: str) -> Path:
    """A new folder ``name`` under ``parent``, or ``name-2``, ``name-3``... if taken."""
    for n in range(1, 100):
        folder = parent / (name if n == 1 else f"{name}-{n}")
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return folder
    raise BackupError(f"too many backups named {name} in {parent}")
