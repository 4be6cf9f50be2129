"""How an entry's basis reads to a DPO: a long list shortened to its first ids and how many
it named; another agency's list showing only the reader's own cases and people."""

from __future__ import annotations

from sharing.audit.basis_reading import named, only_yours, shortened


def test_another_agencys_list_shows_the_reader_only_their_own_records() -> None:
    basis = (
        "risk assessments shared; cases 3,8,12; case 3: risk,identity; "
        "case 8: risk; case 12: risk,vulnerability; persons 40,41"
    )
    assert named(basis) == {
        "cases": {3, 8, 12},
        "persons": {40, 41},
        "actions": set(),
        "shares": set(),
    }
    nothing: dict[str, set[int]] = {"cases": set(), "persons": set(), "actions": set()}
    assert only_yours(basis, {**nothing, "cases": {8}, "shares": set()}) == (
        "risk assessments shared; cases 8 (and 2 of other agencies); case 8: risk; "
        "persons none of yours (and 2 of other agencies)"
    )
    # A partner's list of the shares made with it: only the shares of the reader's cases.
    assert only_yours("page 1 of 3; shares 5,6; cases 3,8", {**nothing, "shares": {6}}) == (
        "page 1 of 3; shares 6 (and 1 of other agencies); "
        "cases none of yours (and 2 of other agencies)"
    )
    # What is not a list of records is left as it is.
    assert only_yours("page 1 of 3", {**nothing, "shares": set()}) == "page 1 of 3"


def test_a_long_list_shows_its_first_ids_and_how_many_it_named() -> None:
    basis = "actions " + ",".join(map(str, range(1, 31))) + "; cases 4"
    assert shortened(basis, most=3) == "actions 1,2,3,… (30 in all); cases 4"
    assert shortened("cases 1,2", most=3) == "cases 1,2"
    assert shortened(None) is None
