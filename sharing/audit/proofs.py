"""Inclusion and consistency proofs read from the stored subtree hashes.

A proof (RFC 9162 sections 2.1.3 and 2.1.4) is a list of hashes of ranges of the tree.
Every such range splits into perfect subtrees (``merkle.perfect_subtrees``); the hash of
the perfect subtree of 2**h leaves starting at a is kept on entry a + 2**h - 1 (its leaf
when h is 0, else bytes 32(h-1) .. 32h of its ``subtrees``). So a proof at any size is
O(log n) primary-key reads, fetched in one query, and never rereads the leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit.merkle import (
    EMPTY_ROOT,
    consistency_ranges,
    fold,
    inclusion_ranges,
    perfect_subtrees,
)
from sharing.models.audit import AuditEntry, AuditTree

_HASH = 32
#: Entries read per query when many proofs are made at once.
_READ = 500


class ProofError(ValueError):
    """No such proof: the entry or size is outside the log; the message says which."""


def _size(session: Session) -> int:
    return session.scalar(select(AuditTree.size)) or 0


class _Subtrees:
    """Hashes of ranges of the tree, read from the entries that keep them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[int, tuple[bytes, bytes]] = {}

    def load(self, ranges: Iterable[tuple[int, int]]) -> None:
        wanted = {
            start + (1 << height) - 1
            for first, end in ranges
            for start, height in perfect_subtrees(first, end)
        } - self.rows.keys()
        ordered = sorted(wanted)
        for i in range(0, len(ordered), _READ):
            for seq, leaf, subtrees in self.session.execute(
                select(AuditEntry.seq, AuditEntry.leaf, AuditEntry.subtrees).where(
                    AuditEntry.seq.in_(ordered[i : i + _READ])
                )
            ):
                self.rows[seq] = (leaf, subtrees)

    def hash(self, first: int, end: int) -> bytes:
        """MTH(D[first:end]) of RFC 9162 (the ranges must have been loaded)."""
        return fold(
            [self._perfect(start, height) for start, height in perfect_subtrees(first, end)]
        )

    def _perfect(self, start: int, height: int) -> bytes:
        last = start + (1 << height) - 1
        if last not in self.rows:
            raise ProofError(f"entry {last} is missing from the log")
        leaf, subtrees = self.rows[last]
        if height == 0:
            return leaf
        stored = subtrees[(height - 1) * _HASH : height * _HASH]
        if len(stored) != _HASH:
            raise ProofError(f"entry {last} lacks the hash of the subtree it completes")
        return stored

    def proof(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        self.load(ranges)
        return [self.hash(first, end) for first, end in ranges]


def _within(session: Session, size: int) -> None:
    logged = _size(session)
    if not 0 < size <= logged:
        raise ProofError(f"no tree of size {size}: the log has {logged} entries")


def root_at(session: Session, size: int) -> bytes:
    """The root of the tree of the first ``size`` entries."""
    if size == 0:
        return EMPTY_ROOT
    _within(session, size)
    subtrees = _Subtrees(session)
    subtrees.load([(0, size)])
    return subtrees.hash(0, size)


def inclusion(session: Session, index: int, size: int) -> list[bytes]:
    """The proof that entry ``index`` is in the tree of the first ``size`` entries."""
    return inclusions(session, [index], size)[index]


def inclusions(session: Session, indexes: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of many entries in one tree, reading each stored hash once."""
    _within(session, size)
    wanted = sorted(set(indexes))
    for index in wanted:
        if not 0 <= index < size:
            raise ProofError(f"no entry {index} in the tree of size {size}")
    plans = {index: inclusion_ranges(index, size) for index in wanted}
    subtrees = _Subtrees(session)
    subtrees.load(r for ranges in plans.values() for r in ranges)
    return {index: subtrees.proof(ranges) for index, ranges in plans.items()}


def consistency(session: Session, old_size: int, size: int) -> list[bytes]:
    """The proof that the tree of ``old_size`` entries is a prefix of that of ``size``."""
    _within(session, size)
    if not 0 < old_size <= size:
        raise ProofError(f"no consistency proof from size {old_size} to size {size}")
    return _Subtrees(session).proof(consistency_ranges(old_size, size))
