"""What a hub backup holds, and its manifest: the names of its files (the database's
copy, ``documents/`` for the case files, ``manifest.json``), and reading a backup's
manifest, each of its fields checked and every file it names checked against its
SHA-256 before a restore trusts any of them; a file's SHA-256, and a new file written
readable by its owner only. ``BackupError`` is how a backup or restore stops, saying why
in one line."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

from hub import migrate
from sharing.models.base import MAX_ID

FORMAT = "hub-backup/1"
MANIFEST = "manifest.json"
DOCUMENTS = "documents"
DATABASE_FILE = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why, in one line."""


def read_manifest(folder: Path) -> dict[str, object]:
    """A backup's manifest, after checking every file it names against its SHA-256."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a hub backup: it has no {MANIFEST}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST} is not a {FORMAT} manifest")
    files = manifest.get("files")
    if manifest.get("database") not in DATABASE_FILE or not isinstance(files, dict):
        raise BackupError(f"{folder / MANIFEST} does not say what the backup holds")
    wrong = _manifest_problem(manifest, files)
    if wrong:
        raise BackupError(f"{folder / MANIFEST}: {wrong}")
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"the backup is incomplete: {name} is missing")
        if sha256(path) != digest:
            raise BackupError(f"the backup is damaged: {name} is not the file it was")
    return manifest


def _manifest_problem(manifest: dict[str, object], files: dict[str, object]) -> str | None:
    """What is wrong with a manifest's fields (its format and database already checked),
    field first; None when each is what ``make_backup`` writes."""
    taken = manifest.get("taken_at")
    try:
        if not isinstance(taken, str) or datetime.fromisoformat(taken).tzinfo is None:
            raise ValueError(taken)
    except ValueError:
        return f"taken_at: {taken!r} is not a date and time with its offset from UTC"
    revision = manifest.get("schema_revision")
    if revision is not None and (
        not isinstance(revision, str) or revision not in migrate.known_revisions()
    ):
        return f"schema_revision: {revision!r} is not a migration this hub knows"
    audit = manifest.get("audit_log")
    if (
        not isinstance(audit, dict)
        or set(audit) != {"size", "root"}
        or not _whole(audit["size"], 0)
        or not (audit["root"] is None or isinstance(audit["root"], str))
    ):
        return "audit_log: not the audit log's size and root"
    for field in ("key_versions_needed", "key_versions_held"):
        versions = manifest.get(field)
        if not isinstance(versions, list) or not all(_whole(v, 1) for v in versions):
            return f"{field}: not a list of key versions (whole numbers from 1)"
    database = DATABASE_FILE[str(manifest["database"])]
    for name, digest in files.items():
        parent, _, base = name.rpartition("/")
        if name != database and (parent != DOCUMENTS or not _hex64(base)):
            return f"files: {name!r} is not a file a backup holds"
        if not isinstance(digest, str) or not _hex64(digest):
            return f"files: {name!r} has no SHA-256"
    return None


def _whole(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and least <= value <= MAX_ID


def _hex64(text: str) -> bool:
    """Whether ``text`` is 64 lower-case hexadecimal digits: a SHA-256, or a store key."""
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_new(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only, through to the disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def taken_at(manifest: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(manifest["taken_at"]))
