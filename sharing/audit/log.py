"""Writing the audit log and checking it.

``append`` adds an entry and grows the Merkle tree in the caller's transaction, so an act
and its entry are committed together or not at all; the tree row is locked for the
append, so concurrent writers take sequence numbers one at a time, without gaps.
``verify`` recomputes every leaf from the entries and the tree from the leaves, and names
the first entry that does not fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit.merkle import EMPTY_ROOT, Frontier, leaf_hash
from sharing.models.audit import AuditEntry, AuditTree
from sharing.models.base import utcnow

_TREE = 1
_HASH = 32


def canonical(entry: AuditEntry) -> bytes:
    """The bytes an entry's leaf hashes: sorted-key JSON of every field but the leaf."""
    return json.dumps(
        {
            "seq": entry.seq,
            "at": entry.at.isoformat(timespec="microseconds"),
            "actor": {
                "user": entry.actor_user_id,
                "agency": entry.actor_agency_id,
                "roles": entry.actor_roles,
            },
            "action": entry.action,
            "object": {"type": entry.object_type, "id": entry.object_id},
            "purpose": entry.purpose,
            "basis": entry.basis,
            "outcome": entry.outcome,
            "request": entry.request_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode("ascii")


def _tree(session: Session) -> AuditTree:
    tree = session.scalar(select(AuditTree).where(AuditTree.id == _TREE).with_for_update())
    if tree is None:
        tree = AuditTree(id=_TREE, size=0, frontier=b"", root=EMPTY_ROOT)
        session.add(tree)
        session.flush()
    return tree


def _frontier(tree: AuditTree) -> Frontier:
    hashes = [tree.frontier[i : i + _HASH] for i in range(0, len(tree.frontier), _HASH)]
    return Frontier(tree.size, hashes)


def append(
    session: Session,
    *,
    action: str,
    outcome: str,
    actor_user_id: int | None = None,
    actor_agency_id: int | None = None,
    actor_roles: str = "",
    object_type: str | None = None,
    object_id: str | int | None = None,
    purpose: str | None = None,
    basis: str | None = None,
    request_id: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the log in the session's transaction (flushed, not committed)."""
    tree = _tree(session)
    entry = AuditEntry(
        seq=tree.size,
        at=at or utcnow(),
        actor_user_id=actor_user_id,
        actor_agency_id=actor_agency_id,
        actor_roles=actor_roles,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        basis=basis,
        outcome=outcome,
        request_id=request_id,
    )
    entry.leaf = leaf_hash(canonical(entry))
    frontier = _frontier(tree)
    frontier.append(entry.leaf)
    tree.size, tree.frontier, tree.root = frontier.size, b"".join(frontier.hashes), frontier.root()
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    size: int
    root: bytes
    #: The first entry that does not fit (None when the log is whole).
    first_bad: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None and not self.problem


def verify(session: Session, batch: int = 10_000) -> Verification:
    """Recompute every leaf and the tree; compare with what the log says of itself."""
    frontier = Frontier()
    expected = 0
    last_seq = -1
    while True:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not entries:
            break
        for entry in entries:
            if entry.seq != expected:
                return Verification(
                    frontier.size,
                    frontier.root(),
                    expected,
                    f"entry {expected} is missing (the next one is {entry.seq})",
                )
            if leaf_hash(canonical(entry)) != entry.leaf:
                return Verification(
                    frontier.size,
                    frontier.root(),
                    entry.seq,
                    f"entry {entry.seq} was altered: it no longer matches its leaf",
                )
            frontier.append(entry.leaf)
            expected += 1
            last_seq = entry.seq
        session.expunge_all()
    tree = session.scalar(select(AuditTree).where(AuditTree.id == _TREE))
    if tree is not None and (tree.size != frontier.size or tree.root != frontier.root()):
        return Verification(
            frontier.size,
            frontier.root(),
            None,
            f"the tree head (size {tree.size}) does not match the {frontier.size} entries",
        )
    return Verification(frontier.size, frontier.root())
