"""The audit log's Merkle tree against RFC 9162: incremental roots, inclusion and
consistency proofs, and that tampering is caught."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sharing.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

sizes = st.integers(min_value=1, max_value=70)


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_hashes_are_domain_separated_as_rfc_9162_says() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    a, b, c = _leaves(3)
    assert root([a, b, c]) == node_hash(node_hash(a, b), c)  # split at 2, the largest power below 3


@given(sizes)
def test_the_frontier_grows_to_the_same_root_without_rereading(n: int) -> None:
    leaves = _leaves(n)
    frontier = Frontier()
    for i, leaf in enumerate(leaves):
        frontier.append(leaf)
        assert frontier.size == i + 1
        assert len(frontier.hashes) == bin(i + 1).count("1")
    assert frontier.root() == root(leaves)
    resumed = Frontier(frontier.size, frontier.hashes)
    resumed.append(leaf_hash(b"next"))
    assert resumed.root() == root([*leaves, leaf_hash(b"next")])


@given(sizes, st.data())
def test_every_entry_has_an_inclusion_proof_and_a_changed_entry_fails(
    n: int, data: st.DataObject
) -> None:
    leaves = _leaves(n)
    head = root(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(index, leaves)
    assert verify_inclusion(index, n, leaves[index], proof, head)
    assert not verify_inclusion(index, n, leaf_hash(b"forged"), proof, head)
    if n > 1:
        assert not verify_inclusion((index + 1) % n, n, leaves[index], proof, head)


@given(sizes, st.data())
def test_every_older_tree_is_consistent_with_the_newer_and_a_rewrite_is_caught(
    n: int, data: st.DataObject
) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(m, leaves)
    assert verify_consistency(m, n, root(leaves[:m]), root(leaves), proof)
    rewritten = [*leaves[: m - 1], leaf_hash(b"rewritten"), *leaves[m:]]
    assert not verify_consistency(m, n, root(rewritten[:m]), root(leaves), proof)
    if m < n:
        assert not verify_consistency(
            m, n, root(leaves[:m]), root(rewritten[:-1] + [leaf_hash(b"x")]), proof
        )
