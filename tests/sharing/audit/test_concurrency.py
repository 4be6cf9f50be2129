"""Eight processes appending 1,000 entries each at once on PostgreSQL, from an empty log,
leave 8,000 entries numbered 0 to 7,999 that verify: no gaps, no duplicates."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import func, select

from sharing.audit.log import append, verify
from sharing.db import make_engine, make_session_factory
from sharing.models import AuditEntry

pytestmark = pytest.mark.long

WRITERS = 8
EACH = 1_000


def _write(url: str, writer: int, start: Barrier) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    start.wait(timeout=120)
    with sessions() as session:
        for i in range(EACH):  # one act, one transaction
            append(
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
def test_eight_processes_writing_at_once_leave_a_whole_log(postgres_server) -> None:
    url = postgres_server.create_database(template=postgres_server.migrated_template())
    try:
        engine = make_engine(url)
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(WRITERS)
        writers = [spawn.Process(target=_write, args=(url, w, start)) for w in range(WRITERS)]
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
        engine.dispose()
    finally:
        postgres_server.drop_database(url)
