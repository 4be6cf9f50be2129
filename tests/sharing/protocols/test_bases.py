"""A decision's basis read back, for pages that name a protocol by its title."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from sharing.protocols.policy import BasisParts, Grant, basis_parts
from sharing.vocabulary import Role

keys = st.from_regex(r"[a-z][a-z0-9-]{0,40}", fullmatch=True)
clauses = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}[a-z]?", fullmatch=True)
purposes = st.from_regex(r"[a-z][a-z_]{0,40}", fullmatch=True)
suffixes = st.sampled_from(
    ["", "; share 12 until 6 March 2027", "; chair of the conference until 1 May 2027"]
)


@given(keys, st.integers(1, 99), clauses, purposes, suffixes)
def test_a_grants_basis_reads_back_as_its_protocol_clause_and_purpose(
    key: str, version: int, clause: str, purpose: str, suffix: str
) -> None:
    grant = Grant(
        protocol_id=1,
        protocol_key=key,
        version=version,
        clause=clause,
        purpose=purpose,
        roles=frozenset({Role.CASE_OFFICER}),
        categories=frozenset({"identity"}),
        requires_share=True,
        priorities=None,
        emergency=False,
        start=date(2026, 1, 1),
        end=date(2027, 1, 1),
        parties=frozenset({1}),
    )
    assert basis_parts(grant.basis + suffix) == BasisParts(key, version, clause, purpose, suffix)


def test_a_basis_naming_no_protocol_clause_is_not_read_as_one() -> None:
    assert basis_parts("Your agency's own case (case officer)") is None
    assert basis_parts("Locked case: named on its lock") is None
