"""Reading the whole log for verification, in batches of consecutive ``seq``.

The database does the heavy part of reading an entry (writing its canonical form) inside
SQLite or PostgreSQL, where Python's lock is released; so batches are read ahead by
``READERS`` threads with connections of their own (with two, one reads batches 0, 2, 4 ...
and the other 1, 3, 5 ...), while the caller hashes the batch before. With an in-memory SQLite database or a session bound to
one connection they are read in turn on the session's connection.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from queue import Empty, Queue
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.orm import Session

from sharing.models.audit import AuditEntry

Batch = Sequence[Row[Any] | tuple[Any, ...]]
#: Reading threads: one keeps a 2-core machine's second core busy; more need more cores.
READERS = 1


def _batch(connection: Connection | Session, columns: Sequence[Any], start: int, end: int) -> Batch:
    query = (
        select(AuditEntry.seq, *columns)
        .where(AuditEntry.seq >= start, AuditEntry.seq < end)
        .order_by(AuditEntry.seq)
    )
    if isinstance(connection, Session):
        return connection.execute(query).all()
    # A reader's own connection: straight to the driver, plain tuples (a third faster).
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def entry_batches(
    session: Session, columns: Sequence[Any], below: int, batch: int
) -> Iterator[Batch]:
    """Rows (seq, *columns) of the entries with seq < ``below``, in order, in batches
    (a batch of entries that are missing is skipped: the caller sees the gap in seq)."""
    starts = range(0, below, batch)
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.url.database in (None, "", ":memory:"):
        for start in starts:
            yield _batch(session, columns, start, min(start + batch, below))
        return
    queues: list[Queue[Batch | BaseException]] = [Queue(maxsize=2) for _ in range(READERS)]
    stop = threading.Event()

    def read(reader: int) -> None:
        try:
            with bind.connect() as connection:
                for start in starts[reader::READERS]:
                    if stop.is_set():
                        return
                    queues[reader].put(
                        _batch(connection, columns, start, min(start + batch, below))
                    )
        except BaseException as e:  # handed to the caller, raised there
            queues[reader].put(e)

    threads = [
        threading.Thread(target=read, args=(r,), name=f"audit-verify-reader-{r}", daemon=True)
        for r in range(min(READERS, len(starts)))
    ]
    for thread in threads:
        thread.start()
    try:
        for number in range(len(starts)):
            item = queues[number % READERS].get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        for reader, thread in enumerate(threads):
            while thread.is_alive():  # let a blocked put finish, then the thread ends
                with contextlib.suppress(Empty):
                    queues[reader].get(timeout=0.05)
            thread.join()
