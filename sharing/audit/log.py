"""Writing the audit log.

An act writes its entry in its own transaction (``enqueue``), to the queue: committed with
the act or rolled back with it, and holding no lock, so acts never wait for one another.
The integrator (``integrate_committed``: after each commit that queued entries, or a
thread of its own in each ``hub serve`` worker, ``sharing.audit.integrator``) moves
committed entries from the queue to the log in batches: it gives each its sequence number,
hashes it into the Merkle tree and stores the tree, under the tree row's lock, so sequence
numbers come one at a time, without gaps. Each entry row also keeps the hashes of the
perfect subtrees its leaf completes (``subtrees``), so that proofs read O(log n) rows
(``sharing.audit.proofs``) and never reread the leaves. ``append`` adds an entry and grows
the tree at once, in the caller's transaction (loaders and tests).

The canonical form of an entry (what its leaf hashes) is the compact JSON array of its
twelve fields in ``FIELDS`` order, UTF-8 encoded, as Python writes it with
``json.dumps(values, ensure_ascii=False, separators=(",", ":"))``: numbers in decimal,
text as JSON strings (``"`` and ``\\`` escaped, control characters as ``\\n`` or ``\\u00XX``,
everything else as itself), ``null`` for a missing value, the time as the text
``"YYYY-MM-DD HH:MM:SS.ffffff"`` in UTC. JSON is unambiguous, so no two different entries
share a canonical form, and databases write the same text in C while streaming
(``canonical_sql``: SQLite's ``json_array``, PostgreSQL's ``to_json``), which is how
``sharing.audit.verification`` checks the log quickly.
``sharing/audit/verify_audit.py`` writes the same form from an export.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Required, TypedDict, Unpack

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Text,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit import listings
from sharing.audit.merkle import Frontier, leaf_hash
from sharing.audit.tree import frontier_of, locked_tree, store
from sharing.db import INTEGRATED_APART, insert_rows
from sharing.models.audit import AuditEntry, AuditQueued
from sharing.models.base import table_of

_log = logging.getLogger(__name__)

#: An entry's fields in canonical order.
FIELDS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_agency_id",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "basis",
    "outcome",
    "request_id",
)
Value = str | int | None


def at_text(at: datetime) -> str:
    """An entry's time as the canonical form writes it (UTC, microseconds)."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def canonical_values(values: Sequence[Value]) -> bytes:
    """The canonical form of an entry's field values, given in ``FIELDS`` order."""
    return _JSON.encode(list(values)).encode()


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _text(value: object) -> str | None:
    """Text as the database stores it (a str enum's value, not its name)."""
    if value is None:
        return None
    return str.__str__(value) if isinstance(value, str) else str(value)


def entry_values(entry: AuditEntry) -> list[Value]:
    """An entry's field values in ``FIELDS`` order, its time as text."""
    values: list[Value] = [getattr(entry, name) for name in FIELDS]
    values[1] = at_text(entry.at)
    return values


def canonical(entry: AuditEntry) -> bytes:
    """The bytes an entry's leaf hashes (see the module's docstring)."""
    return canonical_values(entry_values(entry))


_NUMBERS = frozenset({"seq", "actor_user_id", "actor_agency_id"})


def canonical_sql(dialect: str) -> ColumnElement[str]:
    """An SQL expression giving each entry's canonical form as text, on ``dialect``."""
    columns = [getattr(AuditEntry, name) for name in FIELDS]
    if dialect != "postgresql":  # SQLite keeps the time as the canonical text already
        return func.json_array(*columns, type_=Text)
    pieces: list[ColumnElement[str]] = []
    for name, column in zip(FIELDS, columns, strict=True):
        if name == "at":
            text = cast(func.to_json(func.to_char(column, "YYYY-MM-DD HH24:MI:SS.US")), Text)
        elif name in _NUMBERS:
            text = cast(column, Text)
        else:
            text = cast(func.to_json(column), Text)
        pieces.append(func.coalesce(text, literal("null", Text)))
    joined: ColumnElement[str] = literal("[", Text) + pieces[0]
    for piece in pieces[1:]:
        joined = joined + literal(",", Text) + piece
    return joined + literal("]", Text)


class EntryFields(TypedDict, total=False):
    """An entry's fields as an act gives them (``append``'s and ``enqueue``'s keywords)."""

    action: Required[str]
    outcome: Required[str]
    actor_user_id: int | None
    actor_agency_id: int | None
    actor_roles: str
    object_type: str | None
    object_id: str | int | None
    purpose: str | None
    basis: str | None
    request_id: str | None
    at: datetime | None


def _values(**fields: Unpack[EntryFields]) -> dict[str, Any]:
    """An entry's row from an act's fields, without its place in the log: numbers as
    numbers, text as the database stores it (a str enum's value), the time now unless
    given."""
    user, agency = fields.get("actor_user_id"), fields.get("actor_agency_id")
    return {
        "at": fields.get("at") or clock.now(),
        "actor_user_id": None if user is None else int(user),
        "actor_agency_id": None if agency is None else int(agency),
        "actor_roles": _text(fields.get("actor_roles")) or "",
        "action": _text(fields["action"]),
        "object_type": _text(fields.get("object_type")),
        "object_id": _text(fields.get("object_id")),
        "purpose": _text(fields.get("purpose")),
        "basis": _text(fields.get("basis")),
        "outcome": _text(fields["outcome"]),
        "request_id": _text(fields.get("request_id")),
    }


def _into_tree(frontier: Frontier, values: dict[str, Any]) -> dict[str, Any]:
    """An entry's row (``_values``) as the log's next entry: its sequence number, its leaf
    and the subtrees it completes; the frontier grows by it."""
    values["seq"] = frontier.size
    ordered: list[Value] = [values[name] for name in FIELDS]
    ordered[1] = at_text(values["at"])
    values["leaf"] = leaf_hash(canonical_values(ordered))
    values["subtrees"] = b"".join(frontier.append(values["leaf"]))
    return values


def append(session: Session, **fields: Unpack[EntryFields]) -> AuditEntry:
    """Add an entry to the log in the session's transaction (flushed, not committed): the
    tree row stays locked until the transaction ends. For loaders and tests; acts
    ``enqueue`` theirs."""
    frontier = frontier_of(locked_tree(session))
    values = _into_tree(frontier, _values(**fields))
    store(session, frontier)
    entry = AuditEntry(**values)
    session.add(entry)
    session.flush()
    listings.index(session.connection(), [values])
    return entry


def enqueue(session: Session, **fields: Unpack[EntryFields]) -> None:
    """Write an act's entry in the session's transaction, to the queue: committed with the
    act or rolled back with it, without locking anything. Once the transaction commits,
    the integrator adds it to the log (``integrate_committed``, run after every commit of
    a session that queued an entry)."""
    session.execute(insert(table_of(AuditQueued)), [_values(**fields)])
    session.info[_QUEUED] = True


def enqueue_many(session: Session, entries: Sequence[EntryFields]) -> None:
    """``enqueue`` many acts' entries at once (the cases an import opens)."""
    if entries:
        insert_rows(session, table_of(AuditQueued), [_values(**fields) for fields in entries])
        session.info[_QUEUED] = True


#: Set in a session's ``info`` while its transaction holds queued entries.
_QUEUED = "audit.queued"
#: Entries moved from the queue to the log per transaction of the integrator.
INTEGRATE_BATCH = 2_000
#: The PostgreSQL advisory lock that makes one process at a time the integrator.
INTEGRATOR_LOCK = 0x6875622D61756469  # "hub-audi"


def integrate(session: Session, batch: int = INTEGRATE_BATCH) -> int:
    """Add the queued entries the session can see (its own too) to the log, in its
    transaction; the tree row stays locked until that ends. Returns the number added."""
    session.flush()
    connection = session.connection()
    if connection.scalar(_ANY_QUEUED) is None:
        return 0
    added = 0
    while taken := _integrate_batch(connection, batch):
        added += taken
    return added


def integrate_committed(engine: Engine, batch: int = INTEGRATE_BATCH) -> int:
    """Add the committed queued entries to the log, a batch a transaction, until the queue
    is empty; returns the number added. On PostgreSQL one process at a time does it (an
    advisory lock): any other returns at once, and the one at work looks at the queue again
    after each commit, so it finds whatever was committed while it held the lock. On
    SQLite the database's write lock puts them in turn. An empty queue takes no lock."""
    added = 0
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        while True:
            with connection.begin():
                if connection.scalar(_ANY_QUEUED) is None:
                    return added
                if postgres and not connection.scalar(_TRY_LEAD):
                    return added
                added += _integrate_batch(connection, batch)


_ANY_QUEUED = select(AuditQueued.id).limit(1)
_TRY_LEAD = select(func.pg_try_advisory_xact_lock(INTEGRATOR_LOCK))
_QUEUE_COLUMNS = [AuditQueued.id, *(getattr(AuditQueued, name) for name in FIELDS[1:])]


def _integrate_batch(connection: Connection, batch: int) -> int:
    """Move up to ``batch`` queued entries, oldest first, to the log: lock the tree, take
    them off the queue (a row another transaction is taking waits for it, so no entry is
    taken twice), number them, hash them into the tree, store the tree. Returns how many."""
    frontier = frontier_of(locked_tree(connection))
    oldest = select(AuditQueued.id).order_by(AuditQueued.id).limit(batch)
    taken = connection.execute(
        delete(AuditQueued).where(AuditQueued.id.in_(oldest)).returning(*_QUEUE_COLUMNS)
    ).all()
    if not taken:
        return 0
    values = [
        _into_tree(frontier, {name: getattr(row, name) for name in FIELDS[1:]})
        for row in sorted(taken, key=lambda r: r.id)
    ]
    connection.execute(insert(AuditEntry), values)
    listings.index(connection, values)
    store(connection, frontier)
    return len(values)


@dataclass(frozen=True)
class Waiting:
    """Entries queued and not yet added to the log: how many, and the oldest's time."""

    count: int
    oldest: datetime | None


def waiting(session: Session) -> Waiting:
    count, oldest = session.execute(select(func.count(), func.min(AuditQueued.at))).one()
    return Waiting(count or 0, oldest)


@event.listens_for(Session, "after_commit")
def _integrate_after_commit(session: Session) -> None:
    """After a commit that queued entries, add them to the log (a moment later, on
    another connection: the act's own transaction is over), unless an integrator of their
    own does it (``INTEGRATED_APART``). A failure leaves them queued for the next commit, a
    checkpoint or ``hub audit integrate``; it is logged by its type.

    SQLAlchemy calls this for a savepoint's commit too, while the transaction around it
    still holds its locks (on SQLite the database's write lock, which the integrator would
    wait for): only the outermost transaction's commit is the act's."""
    if session.in_nested_transaction():
        return
    if not session.info.pop(_QUEUED, False) or session.info.get(INTEGRATED_APART):
        return
    bind = session.get_bind()
    if isinstance(bind, Engine):
        integrate_or_leave_queued(bind)


def integrate_or_leave_queued(engine: Engine) -> int:
    """``integrate_committed``, for callers that carry on whatever happens: a database that
    fails leaves the entries queued for the next look and is logged by its type alone;
    returns how many were added."""
    try:
        return integrate_committed(engine)
    except SQLAlchemyError as e:
        _log.warning("audit entries left queued: %s", type(e).__name__)
        return 0


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    """A rolled back transaction's entries went with it; a savepoint's rollback leaves
    those queued before it, to integrate when the transaction commits."""
    if not session.in_nested_transaction():
        session.info.pop(_QUEUED, None)


def append_many(session: Session, acts: Iterable[Mapping[str, Any]], chunk: int = 10_000) -> int:
    """Add many entries at once (``append``'s keyword arguments, one mapping per act),
    with bulk inserts; the same leaves, subtrees and tree as appending them one by one.
    For loading and benchmarks; returns the number added."""
    frontier = frontier_of(locked_tree(session))
    added = 0
    for rows in _chunks(acts, chunk):
        values = [_into_tree(frontier, _values(**act)) for act in rows]
        session.execute(insert(AuditEntry), values)
        listings.index(session, values)
        added += len(values)
    store(session, frontier)
    session.flush()
    return added


def _chunks(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    chunk: list[Mapping[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
