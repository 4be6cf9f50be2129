"""An action agreed at a case conference on a partnership meeting's sitting says where it
was agreed ("Agreed at Northshire ASB problem-solving group, 8 December 2026") on the
Actions list, the action's own page and the page that marks it done, to readers who see
the meeting (its area's agencies); an action agreed elsewhere says nothing of a meeting,
and someone of another area owning one is not told of a meeting they cannot see."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import accounts, clock
from sharing.models import Action, Agency, Area, Conference, MeetingSeries, User
from sharing.vocabulary import ActionKind, AgencyType, Role
from tests.fixtures.demo import demo_client

GROUP = "Northshire ASB problem-solving group"


def _held_conference(session: Session) -> tuple[MeetingSeries, Conference]:
    group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    held = next(s for s in group.sittings if s.starts_at < clock.now() and s.conferences)
    return group, held.conferences[0]


def _open_action(
    session: Session, case_id: int, owner_agency_id: int, by: int, conference_id: int | None
) -> Action:
    action = Action(
        case_id=case_id,
        kind=ActionKind.PERPETRATOR_VISIT,
        owner_agency_id=owner_agency_id,
        due_on=clock.today() + timedelta(days=5),
        created_by_id=by,
        conference_id=conference_id,
    )
    session.add(action)
    session.commit()
    return action


def _row(page: str, action_id: int) -> str:
    return page.split(f'id="action-{action_id}"', 1)[1].split("</tr>", 1)[0]


def test_an_action_agreed_at_a_sitting_names_the_meeting_and_the_day_it_sat(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, conference = _held_conference(demo_session)
    case = conference.case
    agreed = _open_action(demo_session, case.id, case.agency_id, group.chair_id, conference.id)
    not_at_a_meeting = _open_action(demo_session, case.id, case.agency_id, group.chair_id, None)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    said = f"Agreed at {GROUP}, {uk_date(conference.sitting.starts_at)}"

    listing = officer.get("/actions").get_data(as_text=True)
    assert said in _row(listing, agreed.id)
    assert "Agreed at" not in _row(listing, not_at_a_meeting.id)
    action_page = officer.get(f"/cases/{case.id}/actions/{agreed.id}")
    assert action_page.status_code == 200
    assert said in action_page.get_data(as_text=True)
    assert said in officer.get(f"/actions/{agreed.id}/done").get_data(as_text=True)
    other_page = officer.get(f"/cases/{case.id}/actions/{not_at_a_meeting.id}")
    assert "Agreed at" not in other_page.get_data(as_text=True)


def test_someone_of_another_area_owning_such_an_action_is_not_told_of_the_meeting(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, conference = _held_conference(demo_session)
    agency = Agency(
        code="elsewhere-homes",
        name="Elsewhere Homes",
        type=AgencyType.LANDLORD,
        area=Area(code="elsewhere-actions", name="Elsewhere"),
        case_prefix="EH",
    )
    demo_session.add(agency)
    outsider = accounts.create_user(
        demo_session,
        agency=agency,
        email="officer@elsewhere.example",
        display_name="Elsewhere Officer",
        roles={Role.CASE_OFFICER},
        password_hash="x",
        totp_secret=pyotp.random_base32(),
    )
    demo_session.commit()
    action = _open_action(
        demo_session, conference.case_id, agency.id, group.chair_id, conference.id
    )
    listing = demo_client(demo_hub, outsider).get("/actions").get_data(as_text=True)
    row = _row(listing, action.id)
    assert "Agreed at" not in row
    assert GROUP not in listing
