"""Acts' entries are queued in the act's transaction and added to the log a moment after
it commits (issue 21, item 1): no act holds the log's lock, yet no act is committed
without its entry and no rolled-back act leaves one. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.audit.checkpoints import make_checkpoint
from sharing.audit.head import LogDamaged
from sharing.audit.integrator import Integrator
from sharing.audit.log import integrate, integrate_committed, waiting
from sharing.audit.verification import verify
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditEntry, AuditQueued, AuditTree
from tests.fixtures.real_clock import needs_the_real_clock
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


def test_with_an_integrator_of_their_own_committed_entries_wait_for_it(
    migrated_engine: Engine,
) -> None:
    """``hub serve``'s workers: a commit leaves its entries queued (the act is committed
    with them), and the integrator adds them, and any committed elsewhere, on its look."""
    with make_session_factory(migrated_engine, integrated_apart=True)() as session:
        act(session, 1)
        session.commit()
        assert (queued(session), logged(session)) == (1, []), "committed with its act"
        act(session, 2)
        session.commit()
        integrator = Integrator(migrated_engine, every=60)
        assert integrator.once() == 2
        assert (queued(session), logged(session)) == (0, ["1", "2"])
        assert verify(session).ok


@needs_the_real_clock("a thread's timed wait never ends (the monotonic clock is faked)")
def test_an_integrator_looks_on_its_own_and_adds_what_is_left_when_stopped(
    migrated_engine: Engine,
) -> None:
    sessions = make_session_factory(migrated_engine, integrated_apart=True)
    integrator = Integrator(migrated_engine, every=0.05)
    integrator.start()
    with sessions() as session:
        act(session, 1)
        session.commit()
        deadline = time.monotonic() + 30
        while queued(session) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert logged(session) == ["1"], "added on one of its looks"
        session.commit()
    stopped = Integrator(migrated_engine, every=60)  # never looks on its own: stop adds
    stopped.start()
    with sessions() as session:
        act(session, 2)
        session.commit()
    stopped.stop()
    integrator.stop()
    assert not integrator.running
    with sessions() as session:
        assert (queued(session), logged(session)) == (0, ["1", "2"])


def test_an_integrator_that_cannot_reach_the_database_says_why_and_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'hub.sqlite3'}")
    integrator = Integrator(unreachable, every=60)
    with caplog.at_level(logging.WARNING, logger="sharing.audit.log"):
        assert integrator.once() == 0
    assert [r.getMessage() for r in caplog.records] == [
        "audit entries left queued: OperationalError"
    ]
