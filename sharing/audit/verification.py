"""Checking the audit log: every leaf, stored subtree and root recomputed from the
entries, and every checkpoint's root, signature and co-signatures checked against them.

``verify`` names the first entry or checkpoint that does not fit. It reads each entry's
canonical form as the database writes it (``sharing.audit.log.canonical_sql``), which is
what lets it check hundreds of thousands of entries a second in Python; it checks the log
in stretches, side by side in processes of their own (``sharing.audit.stretches``).
It covers the entries added to the log: entries still queued (``sharing.audit.log.waiting``)
have no place in the tree yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from sharing.audit import notes
from sharing.audit.log import canonical_sql
from sharing.audit.merkle import EMPTY_ROOT, fold, node_hash
from sharing.audit.stretches import (
    Checked,
    Stretch,
    in_order,
    in_turn,
    process_pool,
    stretches_of,
    workers,
)
from sharing.audit.tree import TREE, TreeHead, read_head
from sharing.audit.verify_audit import CosignerKey
from sharing.models.audit import AuditCheckpoint, AuditCosignature, AuditEntry, AuditTree


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
    checkpoints = _checkpoints(session)
    walk = _Walk.of(checkpoints, public_key, witnesses)
    plan = _stretches(session, tree.size, stretch or STRETCH, sorted({c.size for c in checkpoints}))
    failed = walk.check_due(0) or _walk_stretches(session, walk, plan, tree.size, processes)
    return failed or _at_the_end(session, walk, tree)


def _checkpoints(session: Session) -> list[AuditCheckpoint]:
    """Every checkpoint with its co-signatures, in the order of the sizes they cover."""
    return list(
        session.scalars(
            select(AuditCheckpoint)
            .options(
                selectinload(AuditCheckpoint.cosignatures).joinedload(AuditCosignature.agency_key),
                selectinload(AuditCheckpoint.witness_cosignatures),
            )
            .order_by(AuditCheckpoint.size, AuditCheckpoint.id)
        )
    )


@dataclass
class _Walk:
    """How far ``verify`` has got through the log: the entries checked, the perfect
    subtrees of the whole stretches so far (largest first), the next checkpoint ``due``
    and those still ``waiting``, the checkpoints found to match and the co-signatures
    verified."""

    public_key: bytes | None
    witnesses: Mapping[str, CosignerKey] | None
    waiting: Iterator[AuditCheckpoint]
    due: AuditCheckpoint | None
    entries: int = 0
    top: list[bytes] = field(default_factory=list)
    checked: int = 0
    cosigned: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(
        cls,
        checkpoints: Sequence[AuditCheckpoint],
        public_key: bytes | None,
        witnesses: Mapping[str, CosignerKey] | None,
    ) -> _Walk:
        """The walk's start: no entries checked, the first checkpoint due."""
        waiting = iter(checkpoints)
        return cls(public_key, witnesses, waiting, next(waiting, None))

    def head(self, inside: Sequence[bytes] = ()) -> bytes:
        """The root of the entries so far: ``top``, then the subtrees ``inside`` a stretch."""
        hashes = [*self.top, *inside]
        return fold(hashes) if hashes else EMPTY_ROOT

    def result(
        self,
        n: int,
        first_bad: int | None = None,
        problem: str = "",
        bad: int | None = None,
        inside: Sequence[bytes] = (),
    ) -> Verification:
        """The outcome with ``n`` entries checked, ``inside`` the subtrees past ``top``."""
        return Verification(
            n,
            self.head(inside),
            first_bad,
            problem,
            bad,
            self.checked,
            self.public_key is not None,
            dict(self.cosigned),
        )

    def check_due(self, n: int, inside: Sequence[bytes] = ()) -> Verification | None:
        """Check the checkpoints of ``n`` entries; the outcome if one does not fit."""
        while (due := self.due) is not None and due.size == n:
            root = self.head(inside)
            if problem := checkpoint_problem(
                due, root, self.public_key, self.cosigned, self.witnesses
            ):
                return self.result(n, None, problem, due.id, inside)
            self.checked += 1
            self.due = next(self.waiting, None)
        return None

    def take(
        self, session: Session, part: Stretch, found: Checked, size: int
    ) -> Verification | None:
        """Take in the checked stretch ``part``: the checkpoints inside it, its entries,
        and its subtrees joined to those before; the outcome if something does not fit."""
        return (
            self._checkpoints_inside(part, found)
            or self._entries_whole(session, found, size)
            or self._joined(part, found)
        )

    def _checkpoints_inside(self, part: Stretch, found: Checked) -> Verification | None:
        """Check the checkpoints that fall inside ``part`` (before its end)."""
        for at, inside in found.at_checkpoints.items():
            if at < part.end and (failed := self.check_due(at, inside)):
                return failed
        return None

    def _entries_whole(self, session: Session, found: Checked, size: int) -> Verification | None:
        """The outcome at the stretch's first entry that does not fit or is missing."""
        if found.first_bad is not None:
            self.entries = n = found.first_bad
            return self.result(n, n, found.problem, None, found.subtrees)
        if found.missing_from is not None:
            self.entries = n = found.missing_from
            return self.result(n, n, _missing(session, n, size), None, found.subtrees)
        return None

    def _joined(self, part: Stretch, found: Checked) -> Verification | None:
        """Add the stretch's subtrees to ``top`` (a whole stretch's, merged as far as they
        go, checked against the hashes its last entry stored) and check the checkpoints
        at its end."""
        self.entries = n = part.end
        if part.end - part.start < part.size:  # the last, not a whole stretch
            self.top.extend(found.subtrees)
        elif not _join(self.top, found.subtrees[0], part.start // part.size, found.above):
            return self.result(n - 1, n - 1, f"entry {n - 1} has wrong stored subtree hashes")
        return self.check_due(n)


def _walk_stretches(
    session: Session, walk: _Walk, plan: Sequence[Stretch], size: int, processes: int | None
) -> Verification | None:
    """Take in the stretches of ``plan`` in order as they are checked; the outcome at the
    first thing that does not fit."""
    with _checking(session, plan, processes) as checks:
        for part, found in checks:
            if failed := walk.take(session, part, found, size):
                return failed
    return None


def _at_the_end(session: Session, walk: _Walk, tree: TreeHead) -> Verification:
    """The outcome once every entry the tree head covers fits: a checkpoint still due
    past the log's size, a tree head whose root or frontier does not match the entries,
    or entries beyond the head."""
    n, size = walk.entries, tree.size
    now_size = session.scalar(select(AuditTree.size).where(AuditTree.id == TREE)) or 0
    due = walk.due
    if due is not None and due.size > now_size:  # not merely a checkpoint made meanwhile
        return walk.result(
            n,
            n,
            f"checkpoint {due.id} covers {due.size} entries but the log has {now_size}: "
            f"entries from {now_size} were removed",
            due.id,
        )
    if walk.head() != tree.root:
        return walk.result(n, None, f"the tree head (size {size}) does not match the {n} entries")
    if b"".join(walk.top) != tree.frontier:  # what the next append would build on
        return walk.result(
            n, None, f"the tree head's stored frontier (size {size}) does not match the entries"
        )
    return _beyond_the_head(session, n, walk.result)


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
