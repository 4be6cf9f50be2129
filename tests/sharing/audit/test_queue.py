"""Acts' entries are queued in the act's transaction and added to the log a moment after
it commits (issue 21, item 1): no act holds the log's lock, yet no act is committed
without its entry and no rolled-back act leaves one. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.audit.checkpoints import make_checkpoint
from sharing.audit.head import LogDamaged
from sharing.audit.log import integrate, integrate_committed, verify, waiting
from sharing.crypto.keys import LocalKeyring
from sharing.models import AuditEntry, AuditQueued, AuditTree
from tests.sharing.audit.conftest import ORIGIN, write_log


def act(session: Session, n: int) -> None:
    """An act as the hub records it, e.g. a case viewed; not committed."""
    acts.record(session, acts.Action.CASE_VIEW, subject=acts.Subject("case", n), basis=f"test {n}")


def logged(session: Session) -> list[str | None]:
    """The log's entries' object ids, in the log's order."""
    return list(session.scalars(select(AuditEntry.object_id).order_by(AuditEntry.seq)))


def queued(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditQueued)) or 0


def test_an_acts_entry_is_in_the_log_once_it_commits(session: Session) -> None:
    act(session, 1)
    assert queued(session) == 1, "written in the act's own transaction"
    assert logged(session) == []
    session.commit()
    assert logged(session) == ["1"]
    assert queued(session) == 0
    result = verify(session)
    assert (result.ok, result.size) == (True, 1)


def test_a_rolled_back_act_leaves_no_entry_anywhere(session: Session) -> None:
    act(session, 1)
    session.rollback()
    act(session, 2)
    session.commit()
    assert logged(session) == ["2"]
    assert queued(session) == 0
    assert verify(session).ok


def test_entries_join_the_log_in_the_order_they_were_queued_after_those_appended(
    session: Session,
) -> None:
    write_log(session, 3)
    for n in (10, 11, 12):
        act(session, n)
    session.commit()
    assert logged(session) == ["100", "101", "102", "10", "11", "12"]
    assert verify(session).ok


def test_a_checkpoint_covers_what_its_own_transaction_queued(
    session: Session, keyring: LocalKeyring
) -> None:
    act(session, 1)
    act(session, 2)
    checkpoint = make_checkpoint(session, keyring, ORIGIN)
    session.commit()
    assert checkpoint is not None
    assert checkpoint.size == 2
    assert verify(session, public_key=keyring.checkpoint_public_key()).ok


def test_integrating_in_a_transaction_adds_its_own_entries_and_what_others_committed(
    session: Session,
) -> None:
    act(session, 1)
    session.execute(text("DELETE FROM audit_queue"))  # as if integration had not run yet
    session.commit()
    act(session, 2)
    act(session, 3)
    assert integrate(session) == 2
    session.commit()
    assert logged(session) == ["2", "3"]
    assert integrate_committed(session.get_bind()) == 0


def test_entries_that_cannot_join_the_log_wait_with_their_acts_committed(
    session: Session, keyring: LocalKeyring
) -> None:
    """Someone adds a row where the next entry goes: the acts go on (their entries wait in
    the queue, counted with their age), and no checkpoint is signed over the damage."""
    write_log(session, 2)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == 1))
    forged = {c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns}
    session.execute(AuditEntry.__table__.insert().values({**forged, "seq": 2}))
    session.commit()
    act(session, 7)
    session.commit()
    assert queued(session) == 1, "kept, not lost"
    found = waiting(session)
    assert found.count == 1
    assert found.oldest is not None
    with pytest.raises(LogDamaged, match="entry 2 is beyond the tree head"):
        make_checkpoint(session, keyring, ORIGIN)
    session.rollback()
    assert queued(session) == 1
    assert session.scalar(select(AuditTree.size)) == 2


def test_an_empty_queue_is_nothing_to_do(session: Session) -> None:
    assert integrate_committed(session.get_bind()) == 0
    assert waiting(session).count == 0
    assert waiting(session).oldest is None
