"""Writing the audit log and checking it.

``append`` adds an entry and grows the Merkle tree in the caller's transaction, so an act
and its entry are committed together or not at all; the tree row is locked for the
append, so concurrent writers take sequence numbers one at a time, without gaps. Each
entry row also keeps the hashes of the perfect subtrees its leaf completes (``subtrees``),
so that proofs read O(log n) rows (``sharing.audit.proofs``) and never reread the leaves.

``verify`` recomputes every leaf from the entries, the tree from the leaves, the stored
subtree hashes, and every checkpoint's root, signature and co-signatures; it names the
first entry or checkpoint that does not fit.

The canonical form of an entry (what its leaf hashes) is the compact JSON array of its
twelve fields in ``FIELDS`` order, UTF-8 encoded, as Python writes it with
``json.dumps(values, ensure_ascii=False, separators=(",", ":"))``: numbers in decimal,
text as JSON strings (``"`` and ``\\`` escaped, control characters as ``\\n`` or ``\\u00XX``,
everything else as itself), ``null`` for a missing value, the time as the text
``"YYYY-MM-DD HH:MM:SS.ffffff"`` in UTC. JSON is unambiguous, so no two different entries
share a canonical form, and databases write the same text in C while streaming
(``canonical_sql``: SQLite's ``json_array``, PostgreSQL's ``to_json``), which is what lets
``verify`` check hundreds of thousands of entries a second in Python; it checks the log in
stretches, side by side in processes of their own (``sharing.audit.stretches``).
``sharing/audit/verify_audit.py`` writes the same form from an export.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
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
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.audit import listings, notes
from sharing.audit.merkle import EMPTY_ROOT, Frontier, fold, leaf_hash, node_hash
from sharing.audit.stretches import (
    Checked,
    Stretch,
    in_order,
    in_turn,
    process_pool,
    stretches_of,
    workers,
)
from sharing.audit.tree import TREE, TreeHead, frontier_of, locked_tree, read_head, store
from sharing.audit.verify_audit import CosignerKey
from sharing.db import INTEGRATED_APART, insert_rows
from sharing.models.audit import (
    AuditCheckpoint,
    AuditCosignature,
    AuditEntry,
    AuditQueued,
    AuditTree,
)
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


@dataclass(frozen=True)
class Verification:
    size: int
    root: bytes
    #: The first entry that does not fit (None when the entries are whole).
    first_bad: int | None = None
    problem: str = ""
    #: The first checkpoint (its id) that does not match the entries or its signatures.
    bad_checkpoint: int | None = None
    #: Checkpoints found to match the entries (and their signatures, when checked).
    checkpoints: int = 0
    #: Whether the hub's signatures on checkpoints were checked (a public key was given).
    signatures_checked: bool = False
    #: Co-signatures that verify, counted by agency key name.
    cosignatures: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.first_bad is None and self.bad_checkpoint is None and not self.problem


def checkpoint_problem(
    checkpoint: AuditCheckpoint,
    root: bytes,
    public_key: bytes | None,
    cosigned: Counter[str],
    witnesses: Mapping[str, CosignerKey] | None = None,
) -> str:
    """What is wrong with a checkpoint whose size's recomputed root is ``root`` ("" if
    nothing); its verified co-signatures are counted in ``cosigned``: the agencies', with
    their registered keys, and the witnesses', with the keys ``witnesses`` configures (a
    witness no longer configured cannot be checked here)."""
    where = f"checkpoint {checkpoint.id} (size {checkpoint.size})"
    if checkpoint.root != root:
        return f"{where} does not match the entries: its root is not the one recomputed"
    message = notes.checkpoint_text(checkpoint.origin, checkpoint.size, checkpoint.root).encode()
    if public_key is not None:
        if checkpoint.key_id != notes.key_id(checkpoint.origin, public_key):
            return f"{where} was signed by another key (key ID {checkpoint.key_id.hex()}), not the hub's"
        if not notes.signs(public_key, message, checkpoint.signature):
            return f"{where}: the hub's signature does not verify"
    for cosignature in checkpoint.cosignatures:
        key = cosignature.agency_key
        if not notes.signs(key.public_key, message, cosignature.signature):
            return f"{where}: the co-signature of {key.name} does not verify"
        cosigned[key.name] += 1
    for witnessed in checkpoint.witness_cosignatures:
        witness = (witnesses or {}).get(witnessed.witness)
        if witness is None or witness.key_id != witnessed.key_id:
            continue
        if not witness.signed(message.decode(), witnessed.signature):
            return f"{where}: the co-signature of {witnessed.witness} does not verify"
        cosigned[witnessed.witness] += 1
    return ""


#: Entries per stretch checked at once (``sharing.audit.stretches``): a power of two.
STRETCH = 1 << 16


def verify(
    session: Session,
    *,
    public_key: bytes | None = None,
    witnesses: Mapping[str, CosignerKey] | None = None,
    stretch: int | None = None,
    processes: int | None = None,
) -> Verification:
    """Recompute every leaf, stored subtree and root from the entries, check every
    checkpoint against them (and its hub signature, with the hub's ``public_key``, and its
    witnesses' co-signatures, with the keys configured for them, ``witnesses``), and
    compare with the tree head (its root and the frontier the next append builds on);
    stop at the first thing that does not fit.

    The tree head is read first and the entries it covers are checked, so entries appended
    meanwhile are no trouble; entries beyond the head with no append to show for them are
    found at the end. Verify what is committed: the entries are read on other connections,
    ``stretch`` entries at a time (default ``STRETCH``), in up to ``processes`` processes
    (default: one per core).
    """
    tree = read_head(session) or TreeHead(0, b"", EMPTY_ROOT)
    size, head_frontier, head_root = tree.size, tree.frontier, tree.root
    checkpoints = list(
        session.scalars(
            select(AuditCheckpoint)
            .options(
                selectinload(AuditCheckpoint.cosignatures).joinedload(AuditCosignature.agency_key),
                selectinload(AuditCheckpoint.witness_cosignatures),
            )
            .order_by(AuditCheckpoint.size, AuditCheckpoint.id)
        )
    )
    cosigned: Counter[str] = Counter()
    checked = 0
    waiting = iter(checkpoints)
    due = next(waiting, None)
    #: The perfect subtrees of the whole stretches so far, largest first.
    top: list[bytes] = []

    def head(inside: Sequence[bytes] = ()) -> bytes:
        """The root of the entries so far: ``top``, then the subtrees ``inside`` a stretch."""
        hashes = [*top, *inside]
        return fold(hashes) if hashes else EMPTY_ROOT

    def result(
        n: int,
        first_bad: int | None = None,
        problem: str = "",
        bad: int | None = None,
        inside: Sequence[bytes] = (),
    ) -> Verification:
        """The outcome with ``n`` entries checked, ``inside`` the subtrees past ``top``."""
        return Verification(
            n,
            head(inside),
            first_bad,
            problem,
            bad,
            checked,
            public_key is not None,
            dict(cosigned),
        )

    def check_due(n: int, inside: Sequence[bytes] = ()) -> Verification | None:
        """Check the checkpoints of ``n`` entries; the outcome if one does not fit."""
        nonlocal due, checked
        while due is not None and due.size == n:
            if problem := checkpoint_problem(due, head(inside), public_key, cosigned, witnesses):
                return result(n, None, problem, due.id, inside)
            checked += 1
            due = next(waiting, None)
        return None

    n = 0
    if failed := check_due(0):
        return failed
    stretch = stretch or STRETCH
    plan = _stretches(session, size, stretch, sorted({c.size for c in checkpoints}))
    with _checking(session, plan, processes) as checks:
        for part, found in checks:
            for at, inside in found.at_checkpoints.items():
                if at < part.end and (failed := check_due(at, inside)):
                    return failed
            if found.first_bad is not None:
                n = found.first_bad
                return result(n, n, found.problem, None, found.subtrees)
            if found.missing_from is not None:
                n = found.missing_from
                return result(n, n, _missing(session, n, size), None, found.subtrees)
            n = part.end
            if part.end - part.start < stretch:  # the last, not a whole stretch
                top.extend(found.subtrees)
            elif not _join(top, found.subtrees[0], part.start // stretch, found.above):
                return result(n - 1, n - 1, f"entry {n - 1} has wrong stored subtree hashes")
            if failed := check_due(n):
                return failed
    now_size = session.scalar(select(AuditTree.size).where(AuditTree.id == TREE)) or 0
    if due is not None and due.size > now_size:  # not merely a checkpoint made meanwhile
        return result(
            n,
            n,
            f"checkpoint {due.id} covers {due.size} entries but the log has {now_size}: "
            f"entries from {now_size} were removed",
            due.id,
        )
    if head() != head_root:
        return result(n, None, f"the tree head (size {size}) does not match the {n} entries")
    if b"".join(top) != head_frontier:  # what the next append would build on
        return result(
            n, None, f"the tree head's stored frontier (size {size}) does not match the entries"
        )
    return _beyond_the_head(session, n, result)


def _stretches(
    session: Session, size: int, stretch: int, checkpoint_sizes: Sequence[int]
) -> list[Stretch]:
    """The stretches of a log of ``size`` entries, each with its query."""
    dialect = session.get_bind().dialect
    columns = (AuditEntry.seq, AuditEntry.leaf, AuditEntry.subtrees, canonical_sql(dialect.name))
    plan = []
    for start, end in stretches_of(size, stretch):
        query = (
            select(*columns)
            .where(AuditEntry.seq >= start, AuditEntry.seq < end)
            .order_by(AuditEntry.seq)
        )
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        sizes = tuple(s for s in checkpoint_sizes if start < s <= end)
        plan.append(Stretch(start, end, stretch, sql, sizes))
    return plan


@contextmanager
def _checking(
    session: Session, plan: Sequence[Stretch], processes: int | None
) -> Iterator[Iterator[tuple[Stretch, Checked]]]:
    """The stretches of ``plan`` with their checks, in order: checked in other processes
    when there are several and the database is a server or a file; else in turn, on a
    connection of their own (on the session's own for an in-memory database)."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.url.database in (None, "", ":memory:"):
        yield in_turn(session.connection().connection, plan)
        return
    count = min(processes or workers(), len(plan))
    with process_pool(count) as pool:
        if pool is not None:
            yield in_order(pool, bind.url.render_as_string(hide_password=False), plan)
        else:
            with closing(bind.raw_connection()) as connection:
                yield in_turn(connection, plan)


def _join(top: list[bytes], root: bytes, index: int, stored: bytes) -> bool:
    """Add the root of whole stretch ``index`` to ``top``, merging it as far as it goes;
    whether the merged hashes are those its last entry ``stored`` above the stretch."""
    made = b""
    top.append(root)
    while index & 1:
        right = top.pop()
        made += (merged := node_hash(top.pop(), right))
        top.append(merged)
        index >>= 1
    return made == stored


def _missing(session: Session, n: int, size: int) -> str:
    """Entry ``n`` is missing: how to say so, naming the next one there is."""
    after = session.scalar(
        select(func.min(AuditEntry.seq)).where(AuditEntry.seq >= n, AuditEntry.seq < size)
    )
    if after is None:
        return f"entry {n} is missing (the tree head says there are {size})"
    return f"entry {n} is missing (the next one is {after})"


def _beyond_the_head(session: Session, n: int, result: Callable[..., Verification]) -> Verification:
    """Entries past the tree head that no append put there (one statement, one snapshot);
    ``n`` entries were checked."""
    last, size = session.execute(
        select(
            select(func.max(AuditEntry.seq)).scalar_subquery(),
            select(AuditTree.size).where(AuditTree.id == TREE).scalar_subquery(),
        )
    ).one()
    if last is not None and last >= (size or 0):
        return result(
            n,
            size or 0,
            f"entry {size or 0} is beyond the tree head (size {size or 0}): "
            "it was added without growing the tree",
        )
    return result(n)
