"""Actions whose owner, or whose case's officer, has left their agency (their account
disabled) say so in the list of the agency's actions and on the case's page, so that a
manager sees which to hand on and a partner does not try to reach someone who has gone."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Action, Case, User
from sharing.vocabulary import ActionStatus, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.statements import walk_pages
from tests.hub.test_agency_actions import _give_the_police_an_action


def _row(page: str, action_id: int) -> str:
    found = re.search(
        rf'<tr class="govuk-table__row" id="action-{action_id}">(.*?)</tr>', page, re.S
    )
    assert found, f"action {action_id} is listed"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def _own_action_of_its_officer(session: Session) -> Action:
    return session.scalars(
        select(Action)
        .join(Case, Case.id == Action.case_id)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            Action.status == ActionStatus.OPEN,
            Action.owner_user_id == Case.officer_id,
        )
        .order_by(Action.due_on, Action.id)
    ).first()


def test_a_leavers_actions_say_they_have_left_to_their_manager_and_to_partners(
    demo_hub, demo_session
) -> None:
    own = _own_action_of_its_officer(demo_session)
    given = _give_the_police_an_action(demo_session, shared=True)
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    leavers = {
        demo_session.get(User, own.owner_user_id),
        demo_session.get(User, given.case.officer_id),
    }
    before = "".join(walk_pages(manager, "/actions"))
    assert "has left" not in _row(before, own.id)

    for leaver in leavers:
        leaver.active = False
    demo_session.commit()

    officer = own.owner_user.display_name
    row = _row("".join(walk_pages(manager, "/actions")), own.id)
    assert f"({officer}, has left)" in row
    assert f"Case officer: {officer} (has left)" in row
    case_page = html.unescape(manager.get(f"/cases/{own.case_id}").get_data(as_text=True))
    assert f"<br>{officer} (has left)</td>" in case_page  # the action's owner, on its case
    partner = _row("".join(walk_pages(police, "/actions")), given.id)
    assert (
        f"Case officer: {given.case.officer.display_name} (has left): "
        "contact Larkmoor Housing Association"
    ) in partner
