"""The tree head checked against the entries before a checkpoint signs it.

The head row (size, frontier, root) is what every append builds on, so a byte changed in
it would be carried into every later root, and a checkpoint signed over it would vouch
for a tree the entries do not give. Before signing, the hub checks, in time proportional
to the entries since the last checkpoint:

- that the hashes the entries store give that checkpoint's root (the hashes it builds on
  are the ones it signed);
- that every entry since then is there, and its leaf and the subtrees it completed are
  what its content gives;
- that the stored frontier and root are the ones those entries make, and that no entry
  lies beyond them.

The first thing that does not fit is named in one line; nothing is signed over it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing.audit.log import canonical
from sharing.audit.merkle import EMPTY_ROOT, Frontier, fold, leaf_hash, perfect_subtrees
from sharing.audit.tree import TreeHead, read_head
from sharing.models.audit import AuditCheckpoint, AuditEntry

_HASH = 32
#: Entries read from the database at a time.
_BATCH = 2_000


class LogDamaged(ValueError):
    """The log does not fit together from ``first_bad`` (an entry's seq) on; the message
    says what, in one line."""

    def __init__(self, first_bad: int, message: str) -> None:
        super().__init__(message)
        self.first_bad = first_bad


def check_head(session: Session, tree: TreeHead, since: AuditCheckpoint | None) -> Frontier:
    """Check the head ``tree`` against the entries since the checkpoint ``since`` (all of
    them when None): the frontier they make, which is the head's; ``LogDamaged`` naming
    the first thing that does not fit."""
    if since is not None and since.size > tree.size:
        raise LogDamaged(
            tree.size,
            f"checkpoint {since.id} covers {since.size} entries but the tree head says "
            f"{tree.size}: entries from {tree.size} were removed",
        )
    frontier = _frontier_at(session, since) if since is not None else Frontier()
    return check_from(session, frontier, tree)


def check_from(session: Session, frontier: Frontier, tree: TreeHead) -> Frontier:
    """Check the head ``tree`` against the entries from ``frontier``'s size on, grown
    from ``frontier`` (a frontier already checked): the frontier they make."""
    expected = frontier.size
    for start in range(frontier.size, tree.size, _BATCH):
        batch = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq >= start, AuditEntry.seq < min(start + _BATCH, tree.size))
            .order_by(AuditEntry.seq)
        )
        for entry in batch:
            if entry.seq != expected:
                raise LogDamaged(
                    expected, f"entry {expected} is missing (the next one is {entry.seq})"
                )
            leaf = leaf_hash(canonical(entry))
            if leaf != entry.leaf:
                raise LogDamaged(
                    entry.seq, f"entry {entry.seq} does not match its stored leaf hash"
                )
            if b"".join(frontier.append(leaf)) != entry.subtrees:
                raise LogDamaged(entry.seq, f"entry {entry.seq} has wrong stored subtree hashes")
            expected += 1
    if expected != tree.size:
        raise LogDamaged(expected, f"entry {expected} is missing (the tree head says {tree.size})")
    if b"".join(frontier.hashes) != tree.frontier or frontier.root() != tree.root:
        raise LogDamaged(
            tree.size,
            f"the tree head (size {tree.size}) does not match its entries: its stored "
            "frontier or root was changed",
        )
    return frontier


def check_nothing_beyond(session: Session, tree: TreeHead) -> None:
    """Under the tree lock: no entry lies past the head (a row added without growing the
    tree, which would also stop every append); ``LogDamaged`` naming it otherwise."""
    last = session.scalar(select(func.max(AuditEntry.seq)))
    if last is not None and last >= tree.size:
        raise LogDamaged(
            tree.size,
            f"entry {tree.size} is beyond the tree head (size {tree.size}): it was added "
            "without growing the tree",
        )


def damage(session: Session, since: AuditCheckpoint | None) -> LogDamaged | None:
    """What ``check_head`` would refuse in the head as it stands (read without locking
    it, for a page that shows whether the log is whole), or None."""
    tree = read_head(session)
    if tree is None:
        return None
    try:
        check_head(session, tree, since)
    except LogDamaged as found:
        return found
    return None


def _frontier_at(session: Session, checkpoint: AuditCheckpoint) -> Frontier:
    """The frontier at the checkpoint's size, from the hashes its entries store, checked
    against the root it signed."""
    pieces = perfect_subtrees(0, checkpoint.size)
    lasts = [start + (1 << height) - 1 for start, height in pieces]
    stored = {
        e.seq: e for e in session.scalars(select(AuditEntry).where(AuditEntry.seq.in_(lasts)))
    }
    hashes = []
    for (_, height), last in zip(pieces, lasts, strict=True):
        entry = stored.get(last)
        if entry is None:
            raise LogDamaged(
                last, f"entry {last} is missing (checkpoint {checkpoint.id} covers it)"
            )
        subtree = (
            entry.leaf if height == 0 else entry.subtrees[(height - 1) * _HASH : height * _HASH]
        )
        hashes.append(subtree)
    if (fold(hashes) if hashes else EMPTY_ROOT) != checkpoint.root:
        raise LogDamaged(
            lasts[-1] if lasts else 0,
            f"the entries' stored hashes do not give checkpoint {checkpoint.id}'s root: "
            f"the log was changed before entry {checkpoint.size}",
        )
    return Frontier(checkpoint.size, hashes)
