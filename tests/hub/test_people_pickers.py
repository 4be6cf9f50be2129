"""Forms that offer the people of the area (an action's owner, a conference's chair and
people expected, a partnership meeting's chair and members) and the DPO's log filter by
user: the people come by agency, sorted by name, and a form costs the same number of
database statements with many staff as with few (demo partnership, grown)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.models import Agency, Case, User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user, open_cases
from tests.fixtures.statements import statements_of_get

#: Roles given in turn to the staff a test adds, so every kind of person grows.
GROWN_ROLES = (
    {Role.CASE_OFFICER},
    {Role.MANAGER},
    {Role.CONFERENCE_CHAIR},
    {Role.PARTNER_VIEWER},
    {Role.ANALYST},
)


def _grow_staff(session: Session, per_agency: int, tag: str) -> None:
    """``per_agency`` more staff in each agency of the area, of every kind of role."""
    for agency in session.scalars(select(Agency).order_by(Agency.id)):
        for n in range(per_agency):
            accounts.create_user(
                session,
                agency=agency,
                email=f"grown-{tag}-{n}@{agency.code}.example",
                display_name=f"Grown {tag} {n} {agency.code}",
                roles=GROWN_ROLES[n % len(GROWN_ROLES)],
                password="a long enough password 1",  # noqa: S106 - a test account
            )
    session.commit()


def _case(session: Session) -> Case:
    return open_cases(session, "larkmoor-ha")[0]


def test_forms_offering_people_cost_the_same_statements_with_many_staff_as_with_few(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    organiser = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    pages = {
        f"/cases/{case.id}/actions/new": officer,
        f"/cases/{case.id}/conferences/new": officer,
        "/meetings/new": organiser,
        "/audit": dpo,
    }

    def cost() -> dict[str, int]:
        return {path: statements_of_get(demo_hub, client, path) for path, client in pages.items()}

    _grow_staff(demo_session, 2, "few")
    few = cost()
    _grow_staff(demo_session, 12, "many")
    assert cost() == few
