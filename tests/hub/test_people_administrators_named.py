"""A manager's People page says whom to ask to add someone who joins or to change the
roles of someone who moves role or team: their agency's administrators by name, or, where
the agency has none in the hub, that the hub's operator makes one, where it spoke of "an
administrator" that an agency without one could not find."""

from __future__ import annotations

import html

from sqlalchemy import select

from sharing.models import User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def _people(app, session, code: str) -> str:  # type: ignore[no-untyped-def]
    manager = demo_client(app, demo_user(session, code, Role.MANAGER))
    return " ".join(html.unescape(manager.get("/people").get_data(as_text=True)).split())


def test_a_manager_is_told_which_administrator_adds_people_and_changes_roles(
    demo_hub, demo_session
) -> None:
    admin = demo_user(demo_session, "northshire-csp", Role.ADMINISTRATOR)
    page = _people(demo_hub, demo_session, "northshire-csp")
    assert (
        "To add someone who joins, or to change the roles of someone who moves role or "
        f"team, ask your agency's administrator: {admin.display_name}."
    ) in page
    assert 'href="/people/new"' not in page


def test_a_manager_of_an_agency_with_no_administrator_is_told_who_makes_one(
    demo_hub, demo_session
) -> None:
    larkmoor = demo_user(demo_session, "larkmoor-ha", Role.MANAGER).agency_id
    assert not [
        u
        for u in demo_session.scalars(select(User).where(User.agency_id == larkmoor))
        if u.has_role(Role.ADMINISTRATOR)
    ]
    page = _people(demo_hub, demo_session, "larkmoor-ha")
    assert (
        "Your agency has no administrator in the hub to add someone who joins or to "
        "change anyone's roles: ask the hub's operator to make one."
    ) in page
