"""The tree head is checked against the entries before a checkpoint signs it (issue 20,
finding 3): a changed frontier, root or stored hash, or an entry changed, removed or
missing since the last checkpoint, stops the checkpoint with one line naming the first
bad entry, and nothing is signed; ``verify`` names a changed frontier too. On SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from sharing.audit.checkpoints import make_checkpoint
from sharing.audit.head import LogDamaged
from sharing.audit.log import append
from sharing.audit.verification import verify
from sharing.crypto.keys import LocalKeyring
from sharing.models import AuditCheckpoint, AuditEntry, AuditTree
from tests.sharing.audit.conftest import ORIGIN, write_log


def checkpointed(session: Session, keyring: LocalKeyring, before: int, after: int) -> int:
    """``before`` entries under a checkpoint, then ``after`` more; the checkpoint's id."""
    write_log(session, before)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    session.commit()
    write_log(session, after)
    return checkpoint.id


def tamper(session: Session, statement: str) -> None:
    session.execute(text(statement))
    session.commit()


def refused(session: Session, keyring: LocalKeyring, first_bad: int, message: str) -> None:
    """The next checkpoint is refused, naming ``first_bad``; nothing is signed."""
    before = session.scalar(select(func.count()).select_from(AuditCheckpoint))
    with pytest.raises(LogDamaged, match=message) as refusal:
        make_checkpoint(session, keyring, ORIGIN)
    session.rollback()
    assert refusal.value.first_bad == first_bad
    assert "\n" not in str(refusal.value)
    assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == before


def flip_first_byte(session: Session, column: str) -> None:
    """Flip a bit of the first byte of the tree row's ``column``, as someone with the
    database could."""
    value = session.scalar(select(getattr(AuditTree, column)).where(AuditTree.id == 1))
    changed = bytes([value[0] ^ 1]) + value[1:]
    session.execute(update(AuditTree).where(AuditTree.id == 1).values({column: changed}))
    session.commit()


def test_a_whole_log_is_signed(session: Session, keyring: LocalKeyring) -> None:
    checkpointed(session, keyring, 5, 6)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    assert checkpoint is not None
    assert checkpoint.size == 11


def test_a_changed_frontier_is_found_by_verify_and_never_signed(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpointed(session, keyring, 5, 6)  # 11 entries: a frontier of three subtrees
    flip_first_byte(session, "frontier")

    result = verify(session)
    assert not result.ok
    assert "stored frontier" in result.problem
    refused(session, keyring, 11, "stored frontier or root was changed")


def test_an_append_onto_a_changed_frontier_is_never_signed(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpointed(session, keyring, 4, 3)  # 7 entries: subtrees of 4, 2 and 1
    flip_first_byte(session, "frontier")
    append(session, action="case.view", outcome="allowed")  # entry 7 merges all three
    session.commit()

    assert not verify(session).ok
    refused(session, keyring, 7, "entry 7 has wrong stored subtree hashes")


def test_a_changed_root_is_never_signed(session: Session, keyring: LocalKeyring) -> None:
    checkpointed(session, keyring, 4, 2)
    flip_first_byte(session, "root")
    refused(session, keyring, 6, "stored frontier or root was changed")


def test_an_entry_changed_since_the_last_checkpoint_is_named(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpointed(session, keyring, 5, 6)
    tamper(session, "UPDATE audit_entries SET basis = 'nothing to see' WHERE seq = 8")
    refused(session, keyring, 8, "entry 8 does not match its stored leaf hash")


def test_an_entry_removed_since_the_last_checkpoint_is_named(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpointed(session, keyring, 5, 6)
    tamper(session, "DELETE FROM audit_entries WHERE seq = 7")
    refused(session, keyring, 7, "entry 7 is missing")


def test_stored_hashes_that_no_longer_give_the_last_checkpoint_are_refused(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpoint_id = checkpointed(session, keyring, 5, 2)
    # entry 3 stores the root of entries 0 to 3, on which everything after builds
    leaf = session.scalar(select(AuditEntry.leaf).where(AuditEntry.seq == 3))
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(subtrees=leaf + leaf))
    session.commit()
    refused(session, keyring, 4, f"do not give checkpoint {checkpoint_id}'s root")


def test_a_head_moved_back_behind_the_last_checkpoint_is_refused(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpointed(session, keyring, 8, 0)
    tamper(session, "UPDATE audit_tree SET size = 5 WHERE id = 1")
    refused(session, keyring, 5, "covers 8 entries but the tree head says 5")


def test_a_row_added_beyond_the_head_is_never_signed(
    session: Session, keyring: LocalKeyring
) -> None:
    checkpointed(session, keyring, 4, 2)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == 5))
    forged = {c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns}
    session.execute(AuditEntry.__table__.insert().values({**forged, "seq": 6}))
    session.commit()
    refused(session, keyring, 6, "entry 6 is beyond the tree head")
