"""An invited agency that opens or sends the convening agency's forms of a conference
(attendance, minutes, decisions, actions) is refused saying why: only the convening
agency (and, for the minutes, the chair) writes them, not "your roles do not include
this", which sent them to their manager for a role that would not help; and before the
conference meets it is not told minutes are being written."""

from __future__ import annotations

import html

import pytest

from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conference_meeting import _held, _post
from tests.hub.test_conferences import _convened

ROLES = "Your roles in the hub do not include this"


@pytest.mark.parametrize(
    ("form", "why"),
    [
        ("attendance", "only the convening agency and the chair write the minutes"),
        ("minutes/new", "only the convening agency and the chair write the minutes"),
        ("decisions/new", "only the convening agency and the chair write the minutes"),
        ("actions/new", "only the convening agency adds the actions agreed at a conference"),
    ],
)
def test_an_invited_agency_is_told_why_it_may_not_write_the_meeting(
    demo_hub, demo_session, form, why
) -> None:
    conference, _ = _held(demo_hub, demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    path = f"/conferences/{conference.id}/{form}"
    for answer in (police.get(path), _post(police, path, heading="1. Item", discussion="Text")):
        assert answer.status_code == 403
        page = html.unescape(answer.get_data(as_text=True))
        assert f"The hub refused because {why}." in page
        assert ROLES not in page


def test_an_invited_agency_is_not_told_minutes_are_being_written_before_the_conference(
    demo_hub, demo_session
) -> None:
    conference, _ = _convened(demo_hub, demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = html.unescape(police.get(f"/conferences/{conference.id}").get_data(as_text=True))
    assert "The convening agency is writing the minutes" not in page
    assert "the convening agency writes them once the conference has met" in page
