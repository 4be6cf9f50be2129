"""Copying the hub's database into a backup and back: SQLite's own backup API (a copy
consistent while the hub writes), PostgreSQL's ``pg_dump`` in its custom format and
``pg_restore``, run from the newest PostgreSQL installed, the password in their
environment, never on their command line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

from hub.backup_manifest import DATABASE_FILE, BackupError
from sharing.formats import is_digits


def database_kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in DATABASE_FILE:
        raise BackupError(f"cannot back up a {backend} database")
    return backend


def sqlite_copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    target.chmod(0o600)


def postgres_program(name: str) -> Path:
    """``pg_dump`` or ``pg_restore``: from the newest PostgreSQL installed in Debian's
    layout (a dump needs a version at least the server's), else from the PATH."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if is_digits(p.parts[-3]) else 0,
    )
    if installed:
        return installed[-1]
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return Path(found)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The database's address for libpq's programs, its password in their environment
    (never on a command line, where other users of the machine can read it)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None)
    return address.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - our own arguments, no shell
            command, env=environment, capture_output=True, text=True, check=False
        )
    except OSError as e:
        raise BackupError(f"cannot run {command[0]} ({e.strerror})") from e
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        raise BackupError(f"{what} failed: {last}")


def dump_postgres(url: URL, target: Path) -> None:
    address, environment = _libpq(url)
    _run(
        [
            str(postgres_program("pg_dump")),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={address}",
        ],
        environment,
        "pg_dump",
    )
    target.chmod(0o600)


def restore_postgres(source: Path, url: URL) -> None:
    address, environment = _libpq(url)
    _run(
        [
            str(postgres_program("pg_restore")),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={address}",
            str(source),
        ],
        environment,
        "pg_restore",
    )
