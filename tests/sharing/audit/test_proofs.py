"""Proofs read from the stored subtree hashes are RFC 9162's, at every size, on both
databases; a proof for an entry or tree that does not exist is refused with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sharing.audit import proofs
from sharing.audit.log import append_many
from sharing.audit.merkle import (
    consistency_proof,
    inclusion_proof,
    perfect_subtrees,
    root,
    verify_consistency,
    verify_inclusion,
)
from sharing.models import AuditEntry

N = 37


def _leaves(session) -> list[bytes]:
    append_many(
        session, ({"action": "case.view", "outcome": "allowed", "object_id": i} for i in range(N))
    )
    session.commit()
    return list(session.scalars(select(AuditEntry.leaf).order_by(AuditEntry.seq)))


def test_stored_subtrees_give_the_same_roots_and_proofs_as_the_leaves(session) -> None:
    leaves = _leaves(session)
    for size in range(1, N + 1):
        head = proofs.root_at(session, size)
        assert head == root(leaves[:size])
        for index in range(size):
            proof = proofs.inclusion(session, index, size)
            assert proof == inclusion_proof(index, leaves[:size])
            assert verify_inclusion(index, size, leaves[index], proof, head)
        for old in range(1, size + 1):
            proof = proofs.consistency(session, old, size)
            assert proof == consistency_proof(old, leaves[:size])
            assert verify_consistency(old, size, root(leaves[:old]), head, proof)


def test_many_inclusion_proofs_at_once_match_one_at_a_time(session) -> None:
    _leaves(session)
    assert proofs.inclusions(session, range(5, 20), 30) == {
        i: proofs.inclusion(session, i, 30) for i in range(5, 20)
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: proofs.inclusion(s, N, N), f"no entry {N} in the tree of size {N}"),
        (lambda s: proofs.inclusion(s, -1, 5), "no entry -1"),
        (lambda s: proofs.inclusion(s, 0, N + 1), f"no tree of size {N + 1}: the log has {N}"),
        (lambda s: proofs.consistency(s, 0, 5), "no consistency proof from size 0"),
        (lambda s: proofs.consistency(s, 9, 5), "no consistency proof from size 9 to size 5"),
    ],
)
def test_a_proof_of_what_does_not_exist_is_refused_with_the_reason(session, call, message) -> None:
    _leaves(session)
    with pytest.raises(proofs.ProofError, match=message):
        call(session)


def test_a_range_that_is_not_a_subtree_is_refused() -> None:
    assert perfect_subtrees(8, 13) == [(8, 2), (12, 0)]
    with pytest.raises(ValueError, match="not a subtree"):
        perfect_subtrees(3, 7)
