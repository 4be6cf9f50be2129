"""Reading the whole log for verification, in batches keyed on ``seq``.

The database does the heavy part of reading an entry (writing its canonical form) inside
SQLite or PostgreSQL, where Python's lock is released; so batches are read by a thread of
their own, on a connection of its own, while the caller hashes the batch before. With an
in-memory SQLite database or a session bound to one connection they are read in turn.
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

Batch = Sequence[Row[Any]]


def _read(
    connection: Connection | Session, columns: Sequence[Any], below: int, batch: int
) -> Iterator[Batch]:
    last = -1
    while True:
        rows = connection.execute(
            select(AuditEntry.seq, *columns)
            .where(AuditEntry.seq > last, AuditEntry.seq < below)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        yield rows
        if not rows:
            return
        last = rows[-1][0]


def entry_batches(
    session: Session, columns: Sequence[Any], below: int, batch: int
) -> Iterator[Batch]:
    """Rows (seq, *columns) of the entries with seq < ``below``, in order, in batches."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.url.database in (None, "", ":memory:"):
        yield from (rows for rows in _read(session, columns, below, batch) if rows)
        return
    queue: Queue[Batch | BaseException] = Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            with bind.connect() as connection:
                for rows in _read(connection, columns, below, batch):
                    queue.put(rows)
                    if stop.is_set():
                        return
        except BaseException as e:  # handed to the reader, raised there
            queue.put(e)

    thread = threading.Thread(target=produce, name="audit-verify-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked put finish, then the thread ends
            with contextlib.suppress(Empty):
                queue.get(timeout=0.05)
        thread.join()
