"""The audit tree's head: one row, locked while an entry is appended or a checkpoint signed.

It holds the tree's size, the roots of its perfect subtrees (the frontier) and its root,
so that appending never rereads old entries. It is read and written with plain driver
statements, never as an ORM object, so that no session ever holds a stale copy of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from sharing.audit.merkle import EMPTY_ROOT, Frontier
from sharing.models.audit import AuditTree

#: The one row's id.
TREE = 1
_HASH = 32
_TREES: Table = AuditTree.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class TreeHead:
    """The tree so far, as its row holds it."""

    size: int
    #: The frontier's hashes, 32 bytes each, largest subtree first.
    frontier: bytes
    root: bytes


#: Locks and reads the tree row in one statement: an UPDATE that changes nothing,
#: RETURNING the row, which takes the write lock on SQLite as well as the row lock on
#: PostgreSQL. Then the row is written once the entry is sealed.
_LOCK = "UPDATE audit_tree SET size = size WHERE id = 1 RETURNING size, frontier, root"
_STORE = "UPDATE audit_tree SET size = {0}, frontier = {0}, root = {0} WHERE id = 1"
_FIRST = insert(_TREES).values(id=TREE, size=0, frontier=b"", root=EMPTY_ROOT)


#: Where the tree row is read and written: a session's transaction, or a connection's.
Target = Session | Connection


def _connection(target: Target) -> Connection:
    return target.connection() if isinstance(target, Session) else target


@contextmanager
def _driver(target: Target) -> Iterator[tuple[Any, str]]:
    """A driver cursor in the session's transaction and the driver's placeholder; driver
    errors come out as SQLAlchemy's, as from any other statement.

    The tree row's two statements are on every act's path, so they go to the driver
    directly: SQLAlchemy's statement handling would cost about as much again as the
    database's own work (see tests/benchmarks/bench_audit.py)."""
    connection = _connection(target)
    dialect = connection.dialect
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor, "?" if dialect.paramstyle == "qmark" else "%s"
    except dialect.loaded_dbapi.Error as e:
        raise DBAPIError.instance(_LOCK, None, e, dialect.loaded_dbapi.Error) from e
    finally:
        cursor.close()


def locked_tree(target: Target) -> TreeHead:
    """The tree head, its row locked until the transaction ends (appends wait meanwhile).

    The row is read and written with plain statements, never as an ORM object, so that no
    session ever holds a stale copy of it."""
    with _driver(target) as (cursor, _):
        cursor.execute(_LOCK)
        row = cursor.fetchone()
    if row is None:  # the first entry ever; another writer may be making the row too
        try:
            with target.begin_nested():
                _connection(target).execute(_FIRST)
        except IntegrityError:
            pass
        with _driver(target) as (cursor, _):
            cursor.execute(_LOCK)
            row = cursor.fetchone()
        if row is None:
            raise RuntimeError("the audit tree row cannot be made")
    return TreeHead(row[0], bytes(row[1]), bytes(row[2]))


def store(target: Target, frontier: Frontier) -> None:
    with _driver(target) as (cursor, placeholder):
        cursor.execute(
            _STORE.format(placeholder),
            (frontier.size, b"".join(frontier.hashes), frontier.root()),
        )


def read_head(session: Session) -> TreeHead | None:
    """The head as it stands, read without locking it (None before the first entry)."""
    row = session.execute(
        select(_TREES.c.size, _TREES.c.frontier, _TREES.c.root).where(_TREES.c.id == TREE)
    ).first()
    return TreeHead(row.size, row.frontier, row.root) if row is not None else None


def frontier_of(tree: TreeHead) -> Frontier:
    hashes = [tree.frontier[i : i + _HASH] for i in range(0, len(tree.frontier), _HASH)]
    return Frontier(tree.size, hashes)
