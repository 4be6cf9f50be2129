"""A backup taken while a key rotation runs (``hub backup`` beside ``hub keys rotate`` or
``hub keys finalise-erasures``): the key store's copy is taken after the database, so a
rotation that retires a version in between leaves a backup that no key store copy opens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub import migrate
from hub.backup import make_backup
from hub.backup_manifest import BackupError
from sharing.crypto.data_keys import new_data_keys
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.rotation import rotate
from sharing.db import make_session_factory, reserve_ids
from sharing.files.stores import LocalStore
from sharing.models import DataKey
from sharing.models.base import table_of


@dataclass(frozen=True)
class RotatedMeanwhile(LocalStore):
    """The case files' store, read by the backup after the database was dumped and
    before the key store is copied: a rotation runs to its end just then."""

    sessions: sessionmaker[Session] | None = None
    keyring: LocalKeyring | None = None

    def keys(self) -> Iterator[str]:
        assert self.sessions is not None
        assert self.keyring is not None
        rotate(self.sessions, self.keyring)
        return super().keys()


def test_a_backup_a_rotation_made_unreadable_is_refused_when_taken(
    migrated_engine: Engine, keys: LocalKeyring, tmp_path: Path
) -> None:
    sessions = make_session_factory(migrated_engine, keys)
    with sessions() as session:
        new_data_keys(session, reserve_ids(session, table_of(DataKey), 3))
        session.commit()
    files = RotatedMeanwhile(tmp_path / "documents", sessions, keys)
    backups = tmp_path / "backups"
    with sessions() as session, pytest.raises(BackupError, match="rotat"):
        make_backup(
            migrated_engine,
            session,
            keys,
            keys.path,
            files,
            backups,
            tmp_path / "key-copies",
            schema_revision=migrate.current_revision(session),
        )
    assert not list(backups.iterdir()), "a backup no key store opens is left to restore"
    assert not list((tmp_path / "key-copies").iterdir())
