"""The records an entry's basis lists, as the index of listings reads them: whatever the
order of a basis's parts and whatever else it says, exactly the identifiers written under
each kind (whatever words lead to it: "person record and cases 3") and the cases named
on their own ("case 3", as a conference's entries name its
case), and nothing from parts that are not such a list; a search of the log names the
case it was filtered by, which it did not show."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sharing.audit import acts
from sharing.audit.listings import LISTED_KINDS, listings

_IDS = st.lists(st.integers(min_value=1, max_value=2**31 - 1), max_size=30, unique=True)
#: Words before a list's kind, as a subject access report writes its cases.
_LEADS = st.sampled_from(["", "person record and ", "shown "])
#: Parts other acts write: a page, a count, a search's field, a protocol's clause.
_OTHER = st.sampled_from(
    [
        "page 2 of 7",
        "by surname: 3 found",
        "identity, contact: northshire-asb-case-management v1 clause 4.2",
        "shares 4,5",
        "actions 9,10",
        "emergency accesses 3",
        "risk assessments 12",
        "no case left to ask",
    ]
)


@given(
    lists=st.dictionaries(
        st.sampled_from(LISTED_KINDS), st.tuples(_LEADS, _IDS), max_size=len(LISTED_KINDS)
    ),
    alone=st.lists(st.integers(min_value=1, max_value=2**31 - 1), max_size=2),
    others=st.lists(_OTHER, max_size=3),
    subject=st.sampled_from([None, "conference", "meeting_sitting", "case", "agency"]),
    order=st.randoms(use_true_random=False),
)
def test_a_basis_lists_exactly_the_identifiers_written_under_each_kind(
    lists: dict[str, tuple[str, list[int]]], alone: list[int], others: list[str], subject, order
) -> None:
    parts = [f"{lead}{kind} {acts.ids(values)}" for kind, (lead, values) in lists.items()]
    parts += [f"case {case_id}" for case_id in alone] + others
    order.shuffle(parts)
    basis = "; ".join(parts)
    expected = {(kind, i) for kind, (_, values) in lists.items() for i in values}
    assert listings(basis, subject) == expected | {("cases", i) for i in alone}
    assert listings(basis, "audit_log") == expected  # the case a search of the log asked for


def test_a_conference_entry_lists_its_case_and_a_search_of_the_log_none() -> None:
    page = "case 3; identity,contact: own agency; answers none; actions 4; minutes none"
    assert listings(page, "conference") == {("cases", 3)}
    assert listings("case 3; conference 5", "meeting_sitting") == {("cases", 3)}
    assert listings("case 3; action case.view: 2 entries", "audit_log") == set()
    assert listings("case 3: 2 entries", "audit_log") == set()
    assert listings("case 8: risk; cases 8", "agency") == {("cases", 8)}  # the shared risk


def test_a_basis_with_no_list_lists_nothing() -> None:
    assert listings(None) == set()
    assert listings("") == set()
    assert listings("cases none") == set()  # an empty list, as ``acts.ids`` writes it
    assert listings("cases opened: 120") == set()  # a figure's words, not a list


def test_a_subject_access_report_lists_the_cases_it_showed_and_not_those_only_named() -> None:
    basis = (
        "person record and cases 3,4; locked cases named only 5; risk assessments 7; "
        "documents none; referrals none; closure surveys 2"
    )
    assert listings(basis, "person") == {("cases", 3), ("cases", 4)}
