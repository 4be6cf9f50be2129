"""Merkle trees in the manner of RFC 9162 (Certificate Transparency 2.0), section 2.1.

Leaf hash: SHA-256(0x00 || entry); node hash: SHA-256(0x01 || left || right); the tree
over n leaves splits at k, the largest power of two smaller than n. ``Frontier`` grows a
tree entry by entry keeping only one hash per perfect subtree (at most log2(n) of them),
so appending never rereads old entries. Inclusion and consistency proofs and their
verification follow sections 2.1.3 and 2.1.4; the verifiers need nothing but hashlib.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree head of these leaf hashes (MTH)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


class Frontier:
    """An append-only tree kept as the roots of its perfect subtrees, largest first."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a frontier holds one hash per set bit of its size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add a leaf hash: merge equal-sized subtrees, as binary addition carries.

        Returns the perfect subtrees this leaf completes, smallest first: with the leaf at
        index i, the subtree of 2**j leaves ending at i for j = 1 .. (trailing zeros of i+1).
        """
        self.hashes.append(leaf)
        completed: list[bytes] = []
        size = self.size
        while size & 1:
            right = self.hashes.pop()
            left = self.hashes.pop()
            merged = node_hash(left, right)
            self.hashes.append(merged)
            completed.append(merged)
            size >>= 1
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        head = self.hashes[-1]
        for subtree in reversed(self.hashes[:-1]):
            head = node_hash(subtree, head)
        return head


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The range [start, end) of a tree as perfect subtrees (start, height), largest first.

    Every range that RFC 9162's recursion hashes (MTH of D[start:end]) starts at a multiple
    of its first subtree's size, so its hash is these subtrees folded from the right:
    node(s0, node(s1, ... s_last)).
    """
    pieces = []
    while start < end:
        height = (end - start).bit_length() - 1
        if start % (1 << height):
            raise ValueError(f"range [{start}, {end}) is not a subtree of the log's tree")
        pieces.append((start, height))
        start += 1 << height
    return pieces


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of consecutive perfect subtrees, largest first (see ``perfect_subtrees``)."""
    head = hashes[-1]
    for subtree in reversed(hashes[:-1]):
        head = node_hash(subtree, head)
    return head


def inclusion_ranges(index: int, size: int, start: int = 0) -> list[tuple[int, int]]:
    """The ranges whose hashes make PATH(index, D[start:start+size]), in proof order."""
    if size == 1:
        return []
    k = _split(size)
    if index < k:
        return [*inclusion_ranges(index, k, start), (start + k, start + size)]
    return [*inclusion_ranges(index - k, size - k, start + k), (start, start + k)]


def consistency_ranges(
    old_size: int, size: int, start: int = 0, complete: bool = True
) -> list[tuple[int, int]]:
    """The ranges whose hashes make PROOF(old_size, D[start:start+size]), in proof order."""
    if old_size == size:
        return [] if complete else [(start, start + size)]
    k = _split(size)
    if old_size <= k:
        return [*consistency_ranges(old_size, k, start, complete), (start + k, start + size)]
    return [*consistency_ranges(old_size - k, size - k, start + k, False), (start, start + k)]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"no entry {index} in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"no consistency proof from size {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
