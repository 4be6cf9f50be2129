"""Someone expected at a case conference who has left their agency (their account
disabled) is marked so where the people expected are named, and the convening agency is
told to add who comes in their place, so a place at the table is not left to nobody."""

from __future__ import annotations

import html

from sharing.models import ConferenceAttendee
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conferences import _convened


def test_a_leaver_expected_at_a_conference_is_marked_and_the_convenor_told_to_replace_them(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    demo_session.add(ConferenceAttendee(conference=conference, user_id=pcso.id))
    demo_session.commit()
    base = f"/conferences/{conference.id}"
    before = html.unescape(officer.get(base).get_data(as_text=True))
    assert f"{pcso.display_name}, {pcso.agency.name}<" in before
    assert "has left" not in before

    pcso.active = False
    demo_session.commit()

    page = html.unescape(officer.get(base).get_data(as_text=True))
    assert f"{pcso.display_name}, {pcso.agency.name} (has left)" in page
    assert (
        f"{pcso.display_name} has left {pcso.agency.name}: to have someone come in their "
        "place, add them with “Change this conference”."
    ) in page
    pack = html.unescape(officer.get(f"{base}/pack").get_data(as_text=True))
    assert f"{pcso.display_name}, {pcso.agency.name} (has left)" in pack

    # An invited agency reads who has left, but is not told to change the conference.
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    invited = html.unescape(sergeant.get(base).get_data(as_text=True))
    assert f"{pcso.display_name}, {pcso.agency.name} (has left)" in invited
    assert "to have someone come in their place" not in invited
