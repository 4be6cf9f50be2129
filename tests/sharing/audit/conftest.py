"""Fixtures of the audit tests: a session on each database, a key store, a small log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing.audit.log import append, canonical
from sharing.audit.merkle import Frontier, leaf_hash
from sharing.audit.tree import locked_tree, store
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditEntry

ORIGIN = "testshire.example/audit"


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    with make_session_factory(migrated_engine)() as session:
        yield session


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring.create(tmp_path / "audit-keyring.json", index_lengths())


def write_log(session: Session, n: int) -> list[AuditEntry]:
    """``n`` entries as the hub writes them (identifiers and category names), committed."""
    entries = [
        append(
            session,
            action="case.view",
            outcome="allowed",
            actor_user_id=7,
            actor_agency_id=2,
            actor_roles="case_officer",
            object_type="case",
            object_id=100 + i,
            purpose="asb_case_management",
            basis="identity, location: protocol p v1 clause 4.1",
        )
        for i in range(n)
    ]
    session.commit()
    return entries


@pytest.fixture
def log(session: Session) -> Callable[[int], list[AuditEntry]]:
    return lambda n: write_log(session, n)


def raw(key: Ed25519PrivateKey) -> bytes:
    """An Ed25519 key's public half, raw (32 bytes)."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def rehash(session: Session) -> None:
    """Recompute every stored hash and the head from the entries, as a careful attacker
    with the database would after changing one."""
    frontier = Frontier()
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        entry.leaf = leaf_hash(canonical(entry))
        entry.subtrees = b"".join(frontier.append(entry.leaf))
    session.flush()
    locked_tree(session)
    store(session, frontier)
