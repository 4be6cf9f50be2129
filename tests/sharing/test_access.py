"""Access decisions: deny by default, own-agency casework only in this release."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sharing.access import CATEGORIES, Act, Actor, decide, visible_agency_ids
from sharing.models import Case
from sharing.vocabulary import Role

roles = st.frozensets(st.sampled_from(list(Role)))
agency_ids = st.integers(min_value=1, max_value=4)


def _case(agency_id: int, erased: bool = False) -> Case:
    return Case(id=1, agency_id=agency_id, erased_at=datetime.now(UTC) if erased else None)


@given(roles=roles, actor_agency=agency_ids, case_agency=agency_ids, act=st.sampled_from(list(Act)))
def test_a_decision_allows_only_own_agency_caseworkers(
    roles, actor_agency, case_agency, act
) -> None:
    actor = Actor(user_id=1, agency_id=actor_agency, roles=roles)
    decision = decide(actor, _case(case_agency), act)
    caseworker = bool(roles & {Role.CASE_OFFICER, Role.MANAGER})
    assert decision.allowed == (actor_agency == case_agency and caseworker)
    if decision.allowed:
        assert set(decision.categories) == set(CATEGORIES)
        assert all(decision.categories.values())  # every category names its basis
    else:
        assert decision.categories == {}
        assert decision.reason


@given(roles=roles, agency=agency_ids)
def test_administrators_dpos_and_analysts_without_casework_see_no_case(roles, agency) -> None:
    roles = roles - {Role.CASE_OFFICER, Role.MANAGER}
    actor = Actor(user_id=1, agency_id=agency, roles=roles)
    assert not decide(actor, _case(agency)).allowed
    assert visible_agency_ids(actor) == set()


def test_an_erased_case_can_be_viewed_but_not_worked() -> None:
    actor = Actor(user_id=1, agency_id=1, roles=frozenset({Role.CASE_OFFICER}))
    assert decide(actor, _case(1, erased=True), Act.VIEW).allowed
    assert not decide(actor, _case(1, erased=True), Act.RECORD).allowed


def test_why_you_can_see_this_groups_categories_by_basis() -> None:
    actor = Actor(user_id=1, agency_id=1, roles=frozenset({Role.MANAGER}))
    decision = decide(actor, _case(1))
    assert decision.bases_for("identity", "risk") == {
        "Your agency's own case: manager": ["identity", "risk"]
    }
