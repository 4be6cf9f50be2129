"""``hub backup`` and ``hub restore`` (issue 21, item 7): the restore drill on a fresh
server, and the backups and restores that must be refused."""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from sharing.access.decide import Actor
from sharing.cases import disclosure
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, AuditEntry, Case, User
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import make_app
from tests.fixtures.cli import hub
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.databases import DATABASES, PostgresServer
from tests.fixtures.demo import demo_client, postgres_demo


def _use(monkeypatch: pytest.MonkeyPatch, folder: Path, url: str) -> None:
    """Point the ``hub`` command at the hub in ``folder`` (its instance) on ``url``."""
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(folder / "instance"))
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_SECRET_KEY", "backup-tests-" + "x" * 32)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.delenv("HUB_ENVIRONMENT", raising=False)


@pytest.fixture(params=DATABASES)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def source(
    kind: str, request: pytest.FixtureRequest, demo_files: Path, tmp_path: Path, monkeypatch
) -> str:
    """The demo partnership as a hub the ``hub`` command runs on: its database's URL."""
    folder = tmp_path / "source"
    shutil.copytree(demo_files / "instance", folder / "instance")
    if kind == "sqlite":
        for database_file in demo_files.glob("hub.sqlite3*"):
            shutil.copy2(database_file, folder / database_file.name)
        url = f"sqlite:///{folder / 'hub.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database(template=postgres_demo(server, demo_files))
        shutil.rmtree(folder / "instance" / "documents", ignore_errors=True)  # none on PG
    _use(monkeypatch, folder, url)
    return url


@pytest.fixture
def fresh_server(kind: str, tmp_path: Path) -> Iterator[PostgresServer | None]:
    """A PostgreSQL server of its own, as a machine to restore to would have (None on
    SQLite, where a new file is all it takes). Fails, never skips, if it cannot start."""
    if kind == "sqlite":
        yield None
        return
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _empty_database(server: PostgresServer | None, folder: Path) -> str:
    if server is None:
        return f"sqlite:///{folder / 'hub.sqlite3'}"
    return server.create_database()


def _one(folder: Path, pattern: str, taken: set[Path]) -> Path:
    """The one path matching ``pattern`` in ``folder`` not in ``taken`` (then taken)."""
    (found,) = set(folder.glob(pattern)) - taken
    taken.add(found)
    return found


def _cases(url: str, key_store: Path) -> tuple[tuple[int, str, str], tuple[int, str], str, int]:
    """Two cases of one officer, neither locked: (id, reference, summary) of the one to
    keep, (id, reference) of the one to erase, closed; that agency's manager's e-mail address and
    one of its officers' user id."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine, LocalKeyring(key_store))() as session:
            cases = session.scalars(
                select(Case)
                .join(Agency)
                .where(
                    Agency.type == AgencyType.LANDLORD,
                    Case.erased_at.is_(None),
                    Case.locked.is_(False),
                )
                .order_by(Case.id)
            ).all()
            kept = cases[0]
            # The same officer's, who reads both pages (which officers see another's
            # case depends on the day the demo is built for).
            erased = next(c for c in cases[1:] if c.officer_id == kept.officer_id)
            staff = session.scalars(select(User).where(User.agency_id == kept.agency_id)).all()
            manager = next(u for u in staff if Role.MANAGER in u.roles)
            summary = disclosure.disclose_case(session, Actor.of(kept.officer), kept.id).summary
            assert summary
            close_for_erasure(session, Actor.of(manager), erased.id)  # closed before erased
            session.commit()
            return (
                (kept.id, kept.reference, summary),
                (erased.id, erased.reference),
                manager.email,
                kept.officer_id,
            )
    finally:
        engine.dispose()


def _page(folder: Path, url: str, user_id: int, case_id: int) -> str:
    """The case's page as the user reads it in the hub restored in ``folder``."""
    app = make_app(folder, database_url=url)
    try:
        with app.extensions["hub.sessions"]() as session:
            user = session.get(User, user_id)
            assert user is not None
        response = demo_client(app, user).get(f"/cases/{case_id}")
        assert response.status_code == 200
        return response.get_data(as_text=True)
    finally:
        app.extensions["hub.engine"].dispose()


def _actions(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    select(AuditEntry.action)
                    .where(AuditEntry.action.like("hub.%"))
                    .order_by(AuditEntry.seq)
                )
            )
    finally:
        engine.dispose()


def test_the_restore_drill(
    source: str, fresh_server: PostgresServer | None, tmp_path: Path, monkeypatch
) -> None:
    """Back up; erase a case; make the erasure final; back up again. Restored to a fresh
    server, the second backup verifies its audit log, reads a case, and keeps the erased
    case erased; the first, restored with today's key store, reads nothing (that rotation
    made it so); restored with its own old key store copy, it reads the erased case, which
    is why old key store copies are destroyed."""
    backups, key_copies, taken = tmp_path / "backups", tmp_path / "key-copies", set[Path]()
    (kept_id, _, summary), (erased_id, erased_ref), manager, officer_id = _cases(
        source, tmp_path / "source" / "instance" / "keyring.json"
    )

    made = hub("backup", "--to", str(backups), "--keys-to", str(key_copies))
    assert made.exit_code == 0, made.output
    before, keys_before = _one(backups, "hub-backup-*", taken), _one(key_copies, "*", taken)
    assert "Copied the key store" in made.output
    erased = hub("erase", "case", erased_ref, "--by", manager, input="y\n")
    assert erased.exit_code == 0, erased.output
    final = hub("keys", "finalise-erasures")
    assert final.exit_code == 0, final.output
    assert "made final" in final.output
    assert hub("backup", "--to", str(backups), "--keys-to", str(key_copies)).exit_code == 0
    after, keys_after = _one(backups, "hub-backup-*", taken), _one(key_copies, "*", taken)

    restored = tmp_path / "restored"
    url = _empty_database(fresh_server, restored)
    _use(monkeypatch, restored, url)
    result = hub("restore", str(after), "--keys-from", str(keys_after))
    assert result.exit_code == 0, result.output
    assert "audit log:" in result.output
    assert "whole" in result.output
    assert "(opened)" in result.output
    assert "OK: the restored hub reads its cases" in result.output
    verified = hub("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "OK: the audit log is whole." in verified.output
    assert html.escape(summary) in _page(restored, url, officer_id, kept_id)
    assert "This case was erased" in _page(restored, url, officer_id, erased_id)
    assert _actions(url) == ["hub.backup", "hub.backup", "hub.restore"]

    old = tmp_path / "old"
    url = _empty_database(fresh_server, old)
    _use(monkeypatch, old, url)
    result = hub("restore", str(before), "--keys-from", str(keys_after))
    assert result.exit_code == 1
    assert "key version 1, which the key store copy" in result.output
    assert "restore a backup taken after the last rotation" in result.output
    assert _tables(url) == [], "refused before anything is written"
    assert not (old / "instance" / "keyring.json").exists()

    # so the same restore with the backup's own key store copy goes ahead
    result = hub("restore", str(before), "--keys-from", str(keys_before))
    assert result.exit_code == 0, result.output
    assert "This case was erased" not in _page(old, url, officer_id, erased_id)


@pytest.fixture
def backup(source: str, tmp_path: Path) -> tuple[Path, Path]:
    """A backup of the demo (SQLite or PostgreSQL) and its key store's copy."""
    result = hub("backup", "--to", str(tmp_path / "b"), "--keys-to", str(tmp_path / "k"))
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "b").glob("hub-backup-*")
    (keys,) = (tmp_path / "k").glob("keyring-*.json")
    return folder, keys


def test_a_backup_holds_the_database_files_and_manifest_readable_by_its_owner_only(
    backup: tuple[Path, Path], kind: str
) -> None:
    folder, keys = backup
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == kind
    assert manifest["key_versions_needed"] == [1]
    assert manifest["audit_log"]["size"] > 0
    assert set(manifest["files"]) >= {"database.dump" if kind != "sqlite" else "database.sqlite3"}
    if kind == "sqlite":
        assert any(name.startswith("documents/") for name in manifest["files"])
    for path in [folder, keys, *folder.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


def test_the_key_store_copy_is_refused_inside_the_backup(source: str, tmp_path: Path) -> None:
    result = hub("backup", "--to", str(tmp_path / "b"), "--keys-to", str(tmp_path / "b" / "k"))
    assert result.exit_code == 1
    assert "must be kept apart from the backup" in result.output
    assert not list((tmp_path / "b").glob("hub-backup-*"))
    result = hub("backup", "--to", str(tmp_path / "b"), "--keys-to", str(tmp_path / "b"))
    assert result.exit_code == 1


def _restore_env(kind: str, tmp_path: Path, monkeypatch, request) -> str:
    """Point the ``hub`` command at an empty hub to restore into: its database's URL."""
    folder = tmp_path / "target"
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'hub.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    _use(monkeypatch, folder, url)
    return url


def _tables(url: str) -> list[str]:
    """The tables of the database at ``url`` (none for a SQLite file not made)."""
    if url.startswith("sqlite") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_is_written(
    backup: tuple[Path, Path], kind: str, tmp_path: Path, monkeypatch, request
) -> None:
    folder, keys = backup
    database = next(folder.glob("database.*"))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 1
    database.write_bytes(bytes(data))
    url = _restore_env(kind, tmp_path, monkeypatch, request)
    result = hub("restore", str(folder), "--keys-from", str(keys))
    assert result.exit_code == 1
    assert f"the backup is damaged: {database.name} is not the file it was" in result.output
    assert "Traceback" not in result.output
    assert _tables(url) == []
    assert not (tmp_path / "target" / "instance" / "keyring.json").exists()


def test_an_incomplete_backup_is_refused(
    backup: tuple[Path, Path], kind: str, tmp_path: Path, monkeypatch, request
) -> None:
    folder, keys = backup
    next(folder.glob("database.*")).unlink()
    _restore_env(kind, tmp_path, monkeypatch, request)
    result = hub("restore", str(folder), "--keys-from", str(keys))
    assert result.exit_code == 1
    assert "the backup is incomplete: database." in result.output


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("taken_at", "yesterday", "taken_at: 'yesterday' is not a date and time"),
        ("schema_revision", "9999", "schema_revision: '9999' is not a migration this hub knows"),
        ("audit_log", "x", "audit_log: not the audit log's size and root"),
        ("key_versions_needed", "abc", "key_versions_needed: not a list of key versions"),
        ("files", {"../../etc/passwd": "0" * 64}, "files: '../../etc/passwd' is not a file"),
    ],
)
def test_a_manifest_with_a_bad_field_is_refused_before_anything_is_written(
    backup: tuple[Path, Path],
    kind: str,
    tmp_path: Path,
    monkeypatch,
    request,
    field,
    value,
    message,
) -> None:
    folder, keys = backup
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest[field] = {**manifest[field], **value} if field == "files" else value
    (folder / "manifest.json").write_text(json.dumps(manifest))
    url = _restore_env(kind, tmp_path, monkeypatch, request)
    result = hub("restore", str(folder), "--keys-from", str(keys))
    assert result.exit_code == 1
    assert result.output.startswith(f"hub: restore: {folder / 'manifest.json'}: {message}")
    assert result.output.count("\n") == 1
    assert _tables(url) == []
    assert not (tmp_path / "target" / "instance" / "keyring.json").exists()
    assert not (tmp_path / "target" / "instance" / "documents").exists()


def test_a_folder_that_is_not_a_backup_is_refused(
    source: str, kind: str, tmp_path: Path, monkeypatch, request
) -> None:
    (tmp_path / "nothing").mkdir()
    _restore_env(kind, tmp_path, monkeypatch, request)
    result = hub("restore", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "is not a hub backup: it has no manifest.json" in result.output
    (tmp_path / "nothing" / "manifest.json").write_text("{not json")
    result = hub("restore", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "manifest.json cannot be read" in result.output


def test_a_restore_into_a_database_that_has_tables_is_refused(
    backup: tuple[Path, Path], source: str, tmp_path: Path
) -> None:
    folder, keys = backup
    before = _counts(source, tmp_path / "source" / "instance" / "keyring.json")
    result = hub("restore", str(folder))  # the hub the backup was taken from
    assert result.exit_code == 1
    assert "already has tables: restore only into an empty database" in result.output
    assert _counts(source, tmp_path / "source" / "instance" / "keyring.json") == before


def _counts(url: str, key_store: Path) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine, LocalKeyring(key_store))() as session:
            return (
                session.scalar(select(func.count()).select_from(Case)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            )
    finally:
        engine.dispose()


def test_a_restore_with_another_hubs_key_store_says_its_keys_do_not_open_the_cases(
    backup: tuple[Path, Path], kind: str, tmp_path: Path, monkeypatch, request
) -> None:
    """A key store that holds the backup's key version, but other keys (another hub's, or a
    mix-up of copies), is named as such, not as a version retired since the backup."""
    folder, keys = backup
    someone_elses = LocalKeyring.create(tmp_path / "someone-elses.json", index_lengths())
    url = _restore_env(kind, tmp_path, monkeypatch, request)
    result = hub("restore", str(folder), "--keys-from", str(someone_elses.path))
    assert result.exit_code == 1
    assert "holds key version 1, but its key does not open" in result.output
    assert "restore with the key store copy taken with the backup" in result.output
    assert "no longer holds" not in result.output
    assert _tables(url) == [], "refused before anything is written"
    assert not (tmp_path / "target" / "instance" / "keyring.json").exists()

    result = hub("restore", str(folder), "--keys-from", str(keys))  # the retry goes ahead
    assert result.exit_code == 0, result.output
    assert "OK: the restored hub reads its cases" in result.output


def test_a_restore_needs_a_key_store_and_never_replaces_one(
    backup: tuple[Path, Path], kind: str, tmp_path: Path, monkeypatch, request
) -> None:
    folder, keys = backup
    url = _restore_env(kind, tmp_path, monkeypatch, request)
    result = hub("restore", str(folder))
    assert result.exit_code == 1
    assert "there is no key store at" in result.output
    assert "name the copy with --keys-from" in result.output
    store = tmp_path / "target" / "instance" / "keyring.json"
    store.parent.mkdir(parents=True)
    store.write_text("the key store this machine has")
    result = hub("restore", str(folder), "--keys-from", str(keys))
    assert result.exit_code == 1
    assert "a key store exists already" in result.output
    assert store.read_text() == "the key store this machine has"
    assert _tables(url) == []


def test_a_backup_restores_only_into_the_same_kind_of_database(
    backup: tuple[Path, Path], kind: str, tmp_path: Path, monkeypatch, request
) -> None:
    folder, keys = backup
    other = "postgresql" if kind == "sqlite" else "sqlite"
    url = _restore_env(other, tmp_path, monkeypatch, request)
    result = hub("restore", str(folder), "--keys-from", str(keys))
    assert result.exit_code == 1
    assert f"this is a backup of a {kind} database, not {other}" in result.output
    assert _tables(url) == []
