"""Someone expected at a case conference who has left their agency (their account
disabled) is marked so where the people expected are named, and the convening agency is
told to take them off and add who comes in their place, so a place at the table is not
left to nobody. Changing the conference takes them off (only a leaver: someone still at
their agency is refused at the field); the notice of their apologies still waiting goes
with their line, and what their agency is asked, if it was asked of them, goes to its
managers. Before, the change form could add people but take no one off."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.errors import InputError
from sharing.meeting_notices import attendee_anchor
from sharing.meetings import conference_leavers
from sharing.models import Conference, ConferenceAttendee, MeetingSeries, Notice, User
from sharing.vocabulary import ConferenceStatus, NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.hub.test_cancelling_conferences import _convene, _reloaded
from tests.hub.test_changing_conferences import _change, _entries, _path
from tests.hub.test_conference_meeting import _post
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
        f"{pcso.display_name} has left {pcso.agency.name}: take them off, and add whoever "
        "comes in their place, with “Change this conference”."
    ) in page
    pack = html.unescape(officer.get(f"{base}/pack").get_data(as_text=True))
    assert f"{pcso.display_name}, {pcso.agency.name} (has left)" in pack

    # An invited agency reads who has left, but is not told to change the conference.
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    invited = html.unescape(sergeant.get(base).get_data(as_text=True))
    assert f"{pcso.display_name}, {pcso.agency.name} (has left)" in invited
    assert "take them off" not in invited


def test_a_chair_who_has_left_is_marked_and_the_convenor_told_to_give_it_a_new_chair(
    demo_hub, demo_session
) -> None:
    """A conference's chair disabled as a leaver: the page, the pack and the conferences
    list read "(has left)" by the chair, and whoever may change it is told to choose who
    chairs it in their place, as for people expected who have left."""
    conference, officer = _convened(demo_hub, demo_session)
    chair = conference.chair
    base = f"/conferences/{conference.id}"
    said = (
        f"{chair.display_name} has left {chair.agency.name}: choose who chairs it in their "
        "place, with \u201cChange the chair\u201d."
    )
    assert said not in html.unescape(officer.get(base).get_data(as_text=True))

    chair.active = False
    demo_session.commit()

    page = html.unescape(officer.get(base).get_data(as_text=True))
    assert f"{chair.display_name}, {chair.agency.name} (has left)" in page
    assert said in page
    pack = html.unescape(officer.get(f"{base}/pack").get_data(as_text=True))
    assert f"{chair.display_name}, {chair.agency.name} (has left)" in pack
    listed = html.unescape(officer.get("/conferences").get_data(as_text=True))
    assert f"{chair.display_name}, {chair.agency.name} (has left)" in listed

    # An invited agency reads that the chair has left, but is not told to change it.
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    invited = html.unescape(sergeant.get(base).get_data(as_text=True))
    assert f"{chair.display_name}, {chair.agency.name} (has left)" in invited
    assert "choose who chairs it" not in invited
    chair.active = True  # the demo hub is the module's
    demo_session.commit()


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _left_after_apologies(app: Flask, session: Session) -> tuple[FlaskClient, Conference, User]:
    """A conference expecting a police officer (the one the police's request was asked of)
    who sent their apologies (the notice of them still waiting), then left the police."""
    officer, conference = _convene(app, session)
    pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    assert (
        _post(demo_client(app, pcso), f"/conferences/{conference.id}/apologies").status_code == 302
    )
    pcso.active = False
    session.commit()
    return officer, conference, pcso


def _waiting(session: Session, conference: Conference) -> set[tuple[int, NoticeKind, str]]:
    session.expire_all()
    return {
        (n.user_id, n.kind, n.path)
        for n in session.scalars(
            select(Notice).where(
                Notice.sent_at.is_(None), Notice.path.startswith(f"/conferences/{conference.id}")
            )
        )
    }


def test_the_convenor_takes_off_someone_expected_who_has_left(hub, session) -> None:
    officer, conference, pcso = _left_after_apologies(hub, session)
    (place,) = [a for a in conference.attendees if a.user_id == pcso.id]
    line = f"/conferences/{conference.id}#{attendee_anchor(place.id)}"
    police = next(r for r in conference.requests if r.agency.code == "northshire-police")
    asked = f"/conferences/{conference.id}/requests/{police.id}"
    waiting = _waiting(session, conference)
    assert (conference.convened_by_id, NoticeKind.APOLOGIES, line) in waiting
    assert not any(path == asked and who != pcso.id for who, _, path in waiting)
    page = html.unescape(officer.get(f"/conferences/{conference.id}").get_data(as_text=True))
    assert (
        f"{pcso.display_name} has left {pcso.agency.name}: take them off, and add whoever "
        "comes in their place, with “Change this conference”."
    ) in page
    form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
    assert "Take off people who have left (optional)" in form
    assert f"{pcso.display_name}, {pcso.agency.name}" in form.split("Take off people", 1)[1]

    response = _change(officer, conference, leavers=[str(pcso.id)])

    assert response.status_code == 302, response.get_data(as_text=True)
    shown = html.unescape(officer.get(response.location).get_data(as_text=True))
    assert "Those who have left are no longer expected." in shown
    assert "(has left)" not in shown
    assert pcso.id not in {a.user_id for a in _reloaded(session, conference).attendees}
    assert _entries(session)[-1].basis == (
        f"case {conference.case_id}; changed leavers; people {pcso.id} taken off"
    )
    # The notice of their apologies goes with their line; what the police are asked, which
    # was asked of the officer who left, goes to the police's managers.
    waiting = _waiting(session, conference)
    assert not any(path == line for _, _, path in waiting)
    managers = {u.id for u in notices.managers(session, pcso.agency_id)}
    assert managers
    told = {
        who
        for who, kind, path in waiting
        if (kind, path) == (NoticeKind.INFORMATION_REQUEST, asked)
    }
    assert managers <= told


def test_someone_still_at_their_agency_is_not_taken_off_as_a_leaver(hub, session) -> None:
    officer, conference = _convene(hub, session)
    pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    before = len(_entries(session))

    response = _change(officer, conference, leavers=[str(pcso.id)], place="Room 9, Civic Centre")

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert "Select people expected who have left their agency" in text
    assert 'href="#leavers' in text  # the error summary names the field
    assert 'value="Room 9, Civic Centre"' in text  # what was typed is kept
    assert [e.basis for e in _entries(session)[before:]] == ["refused input: leavers"]
    changed = _reloaded(session, conference)
    assert pcso.id in {a.user_id for a in changed.attendees}
    assert changed.place != "Room 9, Civic Centre"
    # The core refuses it too, whatever a form sends.
    with pytest.raises(InputError) as refused:
        conference_leavers.checked(changed, [pcso.id])
    assert (refused.value.field, refused.value.message) == (
        "leaver_ids",
        "Select people expected who have left their agency",
    )


def test_a_partnership_meeting_whose_chair_has_left_says_so_to_its_organisers(hub, session) -> None:
    """The problem-solving group's chair disabled as a leaver: the meeting's page names
    them "(has left)", as chair and as a standing member, and its organisers are told to
    choose who chairs it in their place, so its sittings are not left to a chair who has
    gone."""
    meeting = session.scalar(
        select(MeetingSeries).where(MeetingSeries.name == "Northshire ASB problem-solving group")
    )
    chair = meeting.chair
    organiser = demo_client(hub, demo_user(session, "northshire-csp", Role.MANAGER))
    said = (
        f"{chair.display_name} has left {chair.agency.name}: choose who chairs it in their "
        "place, with \u201cChange this meeting\u201d."
    )
    page = html.unescape(organiser.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "(has left)" not in page
    assert said not in page

    chair.active = False
    session.commit()

    page = html.unescape(organiser.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert page.count(f"{chair.display_name}, {chair.agency.name} (has left)") == 2
    assert said in page
    listed = html.unescape(organiser.get("/meetings").get_data(as_text=True))
    assert f"{chair.display_name}, {chair.agency.name} (has left)" in listed
    # A member of another agency reads that the chair has left, but is not told to act.
    sergeant = demo_client(hub, demo_user(session, "northshire-police", Role.MANAGER))
    member = html.unescape(sergeant.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert f"{chair.display_name}, {chair.agency.name} (has left)" in member
    assert "choose who chairs it" not in member


def test_disabling_a_chair_says_what_they_chair_still_to_come(hub, session) -> None:
    """The administrator about to disable a leaver who chairs case conferences still to
    meet, or a partnership meeting, is told so before saying yes, with what happens next:
    those who may change each choose a new chair, as its page says."""
    chair = demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)
    chaired = session.scalar(
        select(func.count())
        .select_from(Conference)
        .where(
            Conference.chair_id == chair.id,
            Conference.status == ConferenceStatus.PLANNED,
            Conference.starts_at > clock.now(),
        )
    )
    meetings = session.scalars(
        select(MeetingSeries.name).where(MeetingSeries.chair_id == chair.id)
    ).all()
    assert chaired
    assert len(meetings) == 1
    admin = demo_client(hub, demo_user(session, "northshire-csp", Role.ADMINISTRATOR))

    page = html.unescape(admin.get(f"/people/{chair.id}/disable").get_data(as_text=True))

    assert (
        f"{chair.display_name} chairs {chaired} case conferences still to meet and the "
        f"partnership meeting {meetings[0]}: each stays theirs until someone who may change "
        "it chooses a new chair, as its page will say."
    ) in page
    officer = demo_user(session, "northshire-csp", Role.CASE_OFFICER)
    page = html.unescape(admin.get(f"/people/{officer.id}/disable").get_data(as_text=True))
    assert "still to meet" not in page
