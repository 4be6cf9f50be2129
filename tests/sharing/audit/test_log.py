"""The audit log on both databases: entries and tree written together, and any change to
the entries found and named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from sharing.audit.log import append, canonical, verify
from sharing.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    inclusion_proof,
    leaf_hash,
    root,
    verify_inclusion,
)
from sharing.db import make_session_factory
from sharing.models import AuditEntry


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    with make_session_factory(migrated_engine)() as session:
        yield session


def _log(session: Session, n: int) -> list[AuditEntry]:
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


def test_an_empty_log_verifies(session) -> None:
    result = verify(session)
    assert result.ok
    assert (result.size, result.root) == (0, EMPTY_ROOT)


def test_entries_grow_the_tree_and_verify(session) -> None:
    entries = _log(session, 13)
    assert [e.seq for e in entries] == list(range(13))
    result = verify(session)
    assert result.ok
    assert result.size == 13
    leaves = [e.leaf for e in entries]
    assert result.root == root(leaves)
    assert verify_inclusion(5, 13, leaves[5], inclusion_proof(5, leaves), result.root)


def test_an_entry_rolled_back_with_its_act_leaves_no_gap(session) -> None:
    _log(session, 2)
    append(session, action="share.create", outcome="allowed", object_type="case", object_id=1)
    session.rollback()
    _log(session, 1)
    assert verify(session).ok


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        ("UPDATE audit_entries SET object_id = '999' WHERE seq = 4", 4, "entry 4 was altered"),
        ("DELETE FROM audit_entries WHERE seq = 3", 3, "entry 3 is missing"),
        ("UPDATE audit_entries SET seq = seq + 100 WHERE seq = 6", 6, "entry 6 is missing"),
        ("UPDATE audit_entries SET outcome = 'refused' WHERE seq = 0", 0, "entry 0 was altered"),
    ],
)
def test_a_changed_deleted_or_moved_entry_is_found_and_named(
    session, tamper: str, first_bad: int, problem: str
) -> None:
    _log(session, 9)
    session.execute(text(tamper))
    session.commit()
    result = verify(session)
    assert not result.ok
    assert result.first_bad == first_bad
    assert problem in result.problem


def test_an_inserted_entry_with_its_own_leaf_is_found_by_the_tree_head(session) -> None:
    entries = _log(session, 5)
    forged = AuditEntry(
        seq=5, at=entries[0].at, action="case.view", outcome="allowed", actor_roles=""
    )
    forged.leaf = leaf_hash(canonical(forged))
    frontier = Frontier()
    for entry in entries:
        frontier.append(entry.leaf)
    forged.subtrees = b"".join(frontier.append(forged.leaf))
    session.add(forged)
    session.commit()
    result = verify(session)
    assert not result.ok
    assert "does not match the 6 entries" in result.problem
