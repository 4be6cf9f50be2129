"""Eight processes appending 1,000 entries each at once on PostgreSQL, from an empty log,
leave 8,000 entries numbered 0 to 7,999 that verify: no gaps, no duplicates. Both ways
entries are written: appended under the log's lock, and queued by acts' transactions and
added to the log after each commit by whichever process leads the integration."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import func, select

from sharing.audit.log import append, enqueue
from sharing.audit.verification import verify
from sharing.db import make_engine, make_session_factory
from sharing.models import AuditEntry, AuditQueued

pytestmark = pytest.mark.long

WRITERS = 8
EACH = 1_000


def _write(url: str, writer: int, start: Barrier, queued: bool) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    write = enqueue if queued else append
    start.wait(timeout=120)
    with sessions() as session:
        for i in range(EACH):  # one act, one transaction
            write(
                session,
                action="case.view",
                outcome="allowed",
                actor_user_id=writer,
                object_type="case",
                object_id=i,
                request_id=f"{writer}-{i}",
            )
            session.commit()
            session.expunge_all()
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "queued",
    [
        # Appending under the tree's lock is what loaders do; acts queue their entries.
        # Both in an exhaustive run (CI), the acts' way by default.
        pytest.param(False, id="appended", marks=pytest.mark.exhaustive),
        pytest.param(True, id="queued"),
    ],
)
def test_eight_processes_writing_at_once_leave_a_whole_log(postgres_server, queued) -> None:
    url = postgres_server.create_database(template=postgres_server.migrated_template())
    try:
        engine = make_engine(url)
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(WRITERS)
        writers = [
            spawn.Process(target=_write, args=(url, w, start, queued)) for w in range(WRITERS)
        ]
        for process in writers:
            process.start()
        for process in writers:
            process.join(timeout=300)
        assert [p.exitcode for p in writers] == [0] * WRITERS
        with make_session_factory(engine)() as session:
            seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
            assert seqs == list(range(WRITERS * EACH))
            requests = session.scalar(select(func.count(func.distinct(AuditEntry.request_id))))
            assert requests == WRITERS * EACH
            result = verify(session)
            assert result.ok, result.problem
            assert result.size == WRITERS * EACH
            assert session.scalar(select(func.count()).select_from(AuditQueued)) == 0
        engine.dispose()
    finally:
        postgres_server.drop_database(url)
