"""Whether a key store opens a backup's data keys, decided from the backup's own files
before a restore writes anything, so a restore refused for its keys leaves the database
and the key store as they were and can simply be run again with the right copy.

For each key version the backup's live data keys need (its manifest lists them), the key
store must hold the version, and that version must open one of the backup's data keys
(read from the backup's database file: SQLite's copy, opened read-only, or the data of
``data_keys`` in the ``pg_dump``). The key is dropped at once; nothing sealed is opened.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sharing.crypto.key_checks import opens_wrapped_key
from sharing.crypto.keys import KeyringError, LocalKeyring


def key_store_problem(
    needed: list[int], database: Path, kind: str, key_store: Path, pg_restore: Path | None
) -> str | None:
    """Why the key store at ``key_store`` cannot open the data keys of the backup whose
    database file is ``database`` (``needed``: the versions its manifest lists), and what to
    do; None when it opens one of each version's."""
    # Read from a private copy: a copy handed over may have lost its mode 0600 (the
    # restore writes it anew with that mode).
    with tempfile.TemporaryDirectory() as folder:
        private = Path(folder) / "keyring.json"
        try:
            private.write_bytes(key_store.read_bytes())
            private.chmod(0o600)
            keys = LocalKeyring(private)
        except OSError as e:
            return f"the key store {key_store} cannot be read ({e.strerror})"
        except KeyringError as e:
            return (
                f"the key store {key_store} cannot be used: {str(e).replace(str(private), 'copy')}"
            )
        missing = sorted(set(needed) - set(keys.versions()))
        if missing:
            return (
                f"the backup's data keys need key version {_listed(missing)}, which the key "
                f"store copy {key_store} no longer holds: a rotation since the backup retired "
                "it (it made erasures final): restore a backup taken after the last rotation"
            )
        for version, (key_id, wrapped) in sorted(
            _one_key_each(database, kind, pg_restore, set(needed)).items()
        ):
            if not opens_wrapped_key(keys, version, key_id, wrapped):
                return (
                    f"the key store copy {key_store} holds key version {version}, but its key "
                    "does not open the backup's data keys: it is not the key store they were "
                    "wrapped with (another hub's, or a mixed-up or damaged copy): restore with "
                    "the key store copy taken with the backup (or since)"
                )
    return None


def _listed(versions: list[int]) -> str:
    return ", ".join(str(v) for v in versions)


def _one_key_each(
    database: Path, kind: str, pg_restore: Path | None, needed: set[int]
) -> dict[int, tuple[int, bytes]]:
    """One live data key (id, wrapped) of each key version in the backup's database."""
    if kind == "sqlite":
        return _from_sqlite(database)
    assert pg_restore is not None  # noqa: S101 - given for a PostgreSQL backup
    return _from_dump(database, pg_restore, needed)


def _from_sqlite(database: Path) -> dict[int, tuple[int, bytes]]:
    # immutable: read as it is, without locks or a write-ahead log beside it
    with closing(sqlite3.connect(f"file:{database}?immutable=1", uri=True)) as connection:
        rows = connection.execute(
            "SELECT d.kek_version, d.id, d.wrapped FROM data_keys d JOIN ("
            "  SELECT kek_version, min(id) AS id FROM data_keys"
            "  WHERE wrapped IS NOT NULL GROUP BY kek_version"
            ") f ON f.id = d.id"
        ).fetchall()
    return {int(version): (int(key_id), bytes(wrapped)) for version, key_id, wrapped in rows}


def _from_dump(dump: Path, pg_restore: Path, needed: set[int]) -> dict[int, tuple[int, bytes]]:
    """The first live data key of each version in the dump's ``data_keys`` rows, read
    from ``pg_restore``'s text output (no database needed), stopping once each of the
    ``needed`` versions has one."""
    found: dict[int, tuple[int, bytes]] = {}
    command = [str(pg_restore), "--data-only", "--table=data_keys", "--file=-", str(dump)]
    with subprocess.Popen(  # noqa: S603 - our own arguments, no shell
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        assert process.stdout is not None  # noqa: S101
        columns: list[str] = []
        for line in process.stdout:
            if line.startswith("COPY ") and " FROM stdin;" in line:
                columns = [
                    c.strip().strip('"') for c in line.split("(", 1)[1].split(")")[0].split(",")
                ]
                continue
            if not columns:
                continue
            if line.rstrip("\n") == "\\.":
                break
            row = dict(zip(columns, line.rstrip("\n").split("\t"), strict=False))
            version, wrapped = int(row["kek_version"]), row["wrapped"]
            if wrapped != "\\N" and version not in found:
                found[version] = (int(row["id"]), bytes.fromhex(wrapped.removeprefix("\\\\x")))
                if needed <= found.keys():
                    break
        process.kill()
    return found
