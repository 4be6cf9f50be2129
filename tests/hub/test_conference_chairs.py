"""Changing a case conference's chair on its own page, as its users do (demo partnership):
the convening officer (or the chair, or a manager of the convening agency) gives it a new
chair, with a reason, when the chair can no longer chair it. The new chair's agency is
invited with its share if it was not; the old and the new chair are told by e-mail; the
page, the pack and the conferences list say who chairs now; one audit entry names ids
and the reason's value. Refused at its field: the same person, someone who may not chair,
an account disabled; a held, cancelled or past conference says why; a conference on a
partnership meeting's sitting keeps its meeting's chair; an invited agency's people are
refused (403), anyone else told it does not exist, each refusal recorded."""

from __future__ import annotations

import html
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import ChairChange, Conference, Notice, User
from sharing.vocabulary import ConferenceStatus, MinutesStatus, NoticeKind, Role, ShareOrigin
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.demo_mail import BASE_URL, mail_hub  # noqa: F401 - a fixture
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_cancelling_conferences import _convene, _on_a_sitting, _reloaded
from tests.hub.test_changing_conferences import _change, _entries
from tests.hub.test_conferences import _chaired_by_the_police
from tests.hub.test_notices import _personal_values


def _path(conference: Conference) -> str:
    return f"/conferences/{conference.id}/chair"


def _opened(client: FlaskClient, conference: Conference) -> dict[str, str]:
    """The chair form as its page gives it: its stamp and token."""
    page = client.get(_path(conference)).get_data(as_text=True)
    stamp = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": csrf_token(client, _path(conference)), "opened": stamp}


def _rechair(client: FlaskClient, conference: Conference, chair: object, reason: str = "left"):
    data = {**_opened(client, conference), "chair": str(chair), "reason": reason}
    return client.post(_path(conference), data=data)


def _martin(session: Session) -> User:
    """Community safety's conference chair (an agency the demo conference does not invite)."""
    return demo_user(session, "northshire-csp", Role.CONFERENCE_CHAIR)


def test_the_convenor_gives_a_conference_a_chair_of_another_agency_which_is_invited_and_both_chairs_are_told(  # noqa: E501
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        officer, conference = _convene(mail_hub, session)
        was, chair = conference.chair, _martin(session)
        reference = conference.case.reference
        assert chair.agency_id not in conference.at_the_table
        page = f"/conferences/{conference.id}"
        assert "Change the chair" in officer.get(page).get_data(as_text=True)
        form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
        assert f"{chair.display_name}, {chair.agency.name}" in form
        assert f'value="{was.id}"' not in form  # its chair is not offered again
        assert "The chair can no longer attend it" in form
        inbox.wait_for(len(inbox.messages))
        before = len(inbox.messages)

        response = _rechair(officer, conference, chair.id, "cannot_attend")

        assert response.status_code == 302, response.get_data(as_text=True)
        response.close()  # the notices go once the page has answered
        shown = html.unescape(officer.get(response.location).get_data(as_text=True))
        assert f"Chair changed: {chair.display_name}, {chair.agency.name} now chairs" in shown
        assert f"{chair.agency.name} is invited with the change" in shown
        rechaired = _reloaded(session, conference)
        assert rechaired.chair_id == chair.id
        assert rechaired.changed_by_id == rechaired.convened_by_id
        invitation = next(i for i in rechaired.invitations if i.agency_id == chair.agency_id)
        assert invitation.share.origin is ShareOrigin.CONFERENCE
        assert invitation.share.until == rechaired.shares_end
        assert any(r.agency_id == chair.agency_id for r in rechaired.requests)

        # The new chair opens it, reads their pack, and sees it in their list as its chair.
        chairing = demo_client(mail_hub, chair)
        named = f"{chair.display_name}, {chair.agency.name}"
        assert named in html.unescape(chairing.get(page).get_data(as_text=True))
        assert named in html.unescape(chairing.get(f"{page}/pack").get_data(as_text=True))
        listed = html.unescape(officer.get("/conferences").get_data(as_text=True))
        assert named in listed

        # The old and the new chair are told, not the officer who changed it.
        received = [
            m
            for m in inbox.wait_for(before + 2)[before:]
            if m["Subject"] == f"A case conference has a new chair: case {reference}"
        ]
        assert {m["To"] for m in received} == {was.email, chair.email}
        for message in received:
            text = message.get_content()
            assert "chosen on the conference's page" in text
            assert f"{BASE_URL}/conferences/{conference.id}#chair-" in text
            # The link lands on the change, listed under "Changes of chair" on the page.
            anchor = text.split(f"/conferences/{conference.id}#", 1)[1].split()[0]
            assert f'<li id="{anchor}">Chair changed from' in chairing.get(page).get_data(
                as_text=True
            )
            for value in [*_personal_values(rechaired), chair.display_name, was.display_name]:
                assert value not in message.as_string()

        # One entry: the case, the reason's value, the invitation and share by id.
        entry = _entries(session)[-1]
        assert (entry.object_type, entry.object_id) == ("conference", str(conference.id))
        change = session.scalars(
            select(ChairChange).where(ChairChange.conference_id == conference.id)
        ).one()
        assert entry.basis == (
            f"case {conference.case_id}; changed chair; chair changes {change.id}; reason "
            f"cannot_attend; invitations {invitation.id}; shares {invitation.share_id} made"
        )
        assert entry.outcome == "allowed"


def test_the_old_chairs_invitation_still_waiting_is_dropped_and_the_new_chairs_agency_at_the_table_is_not_invited_again(  # noqa: E501
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    was = conference.chair
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    invitations = len(conference.invitations)

    def invitation(user: User, *, waiting: bool = True) -> list[Notice]:
        demo_session.expire_all()
        return list(
            demo_session.scalars(
                select(Notice).where(
                    Notice.user_id == user.id,
                    Notice.kind == NoticeKind.INVITATION,
                    Notice.path == f"/conferences/{conference.id}",
                    Notice.sent_at.is_(None) if waiting else Notice.sent_at.is_not(None),
                )
            )
        )

    # The mail server was down as it was convened: the chair's invitation still waits.
    for notice in invitation(was, waiting=False):
        notice.sent_at = None
    demo_session.commit()
    assert invitation(was)

    response = _rechair(officer, conference, police_manager.id)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert invitation(was) == []
    rechaired = _reloaded(demo_session, conference)
    assert rechaired.chair_id == police_manager.id
    assert len(rechaired.invitations) == invitations  # the police were invited already
    told = demo_session.scalars(
        select(Notice.user_id).where(Notice.kind == NoticeKind.NEW_CHAIR)
    ).all()
    assert set(told) >= {was.id, police_manager.id}
    change = demo_session.scalars(
        select(ChairChange).where(ChairChange.conference_id == conference.id)
    ).one()
    assert _entries(demo_session)[-1].basis == (
        f"case {conference.case_id}; changed chair; chair changes {change.id}; reason left; "
        "old chair's invitation dropped (1)"
    )


def test_bad_choices_are_refused_at_their_fields_at_once_and_nothing_changes(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    was = conference.chair
    pcso = conference.attendees[0].user
    leaver = _martin(demo_session)
    for sent, reason, said in (
        (was.id, "left", f"{was.display_name} already chairs this conference"),
        (pcso.id, "left", f"{pcso.display_name} is not a conference chair or manager"),
        ("", "", "Select the new chair"),
        (999_999, "left", "Select the new chair"),
    ):
        response = _rechair(officer, conference, sent, reason)
        assert response.status_code == 400
        text = html.unescape(response.get_data(as_text=True))
        assert said in text
        if not reason:
            assert "Select why the chair changes" in text  # both fields, at once
        assert _reloaded(demo_session, conference).chair_id == was.id
        entry = _entries(demo_session)[-1]
        assert entry.outcome == "refused"
        assert entry.basis == "refused chair input: chair" + (", reason" if not reason else "")

    # An account disabled since the form was opened.
    form = _opened(officer, conference)
    demo_session.get(User, leaver.id).active = False
    demo_session.commit()
    response = officer.post(
        _path(conference), data={**form, "chair": str(leaver.id), "reason": "left"}
    )
    assert response.status_code == 400
    assert f"{leaver.display_name}'s account is disabled" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _reloaded(demo_session, conference).chair_id == was.id
    demo_session.get(User, leaver.id).active = True
    demo_session.commit()

    # An unknown reason, with a chair who may chair.
    response = _rechair(officer, conference, leaver.id, "bored")
    assert response.status_code == 400
    assert "Select why the chair changes" in html.unescape(response.get_data(as_text=True))
    assert _entries(demo_session)[-1].basis == "refused chair input: reason"


def test_a_new_chair_who_already_chairs_something_then_is_refused_at_the_chair(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    other = _convene(demo_hub, demo_session, chair=str(police_manager.id))[1]
    if other.starts_at != conference.starts_at:  # put it at the same time
        record = _reloaded(demo_session, other)
        record.starts_at = conference.starts_at
        demo_session.commit()

    response = _rechair(officer, conference, police_manager.id)

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert "The new chair already chairs another case conference on" in text or (
        f"The new chair already chairs the case conference on {other.case.reference}" in text
    )
    assert "select another chair, or move one of them first" in text
    assert _reloaded(demo_session, conference).chair_id != police_manager.id
    assert _entries(demo_session)[-1].basis == "refused input: chair_id"


def test_the_chair_and_a_manager_of_the_convening_agency_may_change_it_others_may_not(
    demo_hub, demo_session
) -> None:
    officer, chair, path, conference = _chaired_by_the_police(demo_hub, demo_session)
    before = len(_entries(demo_session))
    invited = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert "Change the chair" not in invited.get(path).get_data(as_text=True)
    assert invited.get(_path(conference)).status_code == 403
    sent = {"csrf_token": csrf_token(invited, "/"), "chair": str(chair.id), "reason": "left"}
    assert invited.post(_path(conference), data=sent).status_code == 403
    other = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert other.get(_path(conference)).status_code == 404
    sent = {**sent, "csrf_token": csrf_token(other, "/")}
    assert other.post(_path(conference), data=sent).status_code == 404
    refused = _entries(demo_session)[before:]
    assert [e.outcome for e in refused] == ["refused"] * 4
    assert _reloaded(demo_session, conference).chair_id == chair.id

    # The chair, of another agency, hands it on to community safety's chair.
    chairing = demo_client(demo_hub, chair)
    assert "Change the chair" in chairing.get(path).get_data(as_text=True)
    assert _rechair(chairing, conference, _martin(demo_session).id).status_code == 302
    # A manager of the convening agency gives it back to a manager of their own.
    manager = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    managing = demo_client(demo_hub, manager)
    response = _rechair(managing, conference, manager.id, "another_agency")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _reloaded(demo_session, conference).chair_id == manager.id


def test_a_form_opened_before_someone_else_changed_the_conference_is_shown_again(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    was = conference.chair
    stale = _opened(officer, conference)
    assert _change(officer, conference, place="Civic Centre, committee room 9").status_code == 302

    response = officer.post(
        _path(conference),
        data={**stale, "chair": str(_martin(demo_session).id), "reason": "left"},
    )

    assert response.status_code == 400
    assert "Someone changed this after you opened it" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _reloaded(demo_session, conference).chair_id == was.id


def test_a_conference_held_cancelled_or_past_keeps_its_chair(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    was = conference.chair_id
    stale = _opened(officer, conference)
    planned = (conference.starts_at, None, ConferenceStatus.PLANNED)
    past = clock.now() - timedelta(hours=1)
    for (starts_at, minutes, status), why in (
        (
            (planned[0], MinutesStatus.DRAFT, planned[2]),
            "Minutes are recorded for the conference, so it has been held",
        ),
        ((past, None, planned[2]), "Its date has passed: record it held or cancel it"),
        ((planned[0], None, ConferenceStatus.CANCELLED), "The conference is cancelled"),
    ):
        record = _reloaded(demo_session, conference)
        record.starts_at, record.minutes_status, record.status = starts_at, minutes, status
        demo_session.commit()
        page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
        assert "Change the chair" not in page
        said = f"{why}, so its chair can no longer be changed"
        assert said in html.unescape(officer.get(_path(conference)).get_data(as_text=True))
        response = officer.post(
            _path(conference),
            data={**stale, "chair": str(_martin(demo_session).id), "reason": "left"},
        )
        assert response.status_code == 400
        assert said in html.unescape(response.get_data(as_text=True))
        assert _entries(demo_session)[-1].basis == f"refused chair: {why.lower()}"
    assert _reloaded(demo_session, conference).chair_id == was


def test_a_conference_on_a_sitting_keeps_its_meetings_chair(demo_hub, demo_session) -> None:
    conference = _on_a_sitting(demo_session)
    meeting = conference.sitting.series
    officer = demo_client(demo_hub, demo_session.get(User, conference.case.officer_id))
    page = html.unescape(officer.get(f"/conferences/{conference.id}").get_data(as_text=True))
    assert f"(the chair of {meeting.name}: it changes only as the meeting’s chair changes)" in page
    assert "Change the chair" not in page
    form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
    assert "its chair is the meeting's chair and changes only as the meeting's chair" in form

    response = officer.post(
        _path(conference),
        data={
            "csrf_token": csrf_token(officer, _path(conference)),
            "chair": str(demo_user(demo_session, "northshire-homes", Role.MANAGER).id),
            "reason": "left",
        },
    )

    assert response.status_code == 400
    assert "changes only as the meeting's chair changes" in html.unescape(
        response.get_data(as_text=True)
    )
    assert _reloaded(demo_session, conference).chair_id == meeting.chair_id
    assert _entries(demo_session)[-1].basis == f"refused chair: on sitting {conference.sitting_id}"


def test_a_chair_whose_agency_was_withdrawn_is_not_offered_nor_accepted(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    adults = next(i for i in conference.invitations if i.agency.code == "northshire-adults")
    withdraw = f"/conferences/{conference.id}/invitations/{adults.id}/withdraw"
    assert (
        officer.post(withdraw, data={"csrf_token": csrf_token(officer, withdraw)}).status_code
        == 302
    )
    chairs = [
        u
        for u in demo_session.scalars(select(User).where(User.agency_id == adults.agency_id))
        if u.has_role(Role.MANAGER, Role.CONFERENCE_CHAIR)
    ]
    form = officer.get(_path(conference)).get_data(as_text=True)
    for user in chairs:
        assert f'value="{user.id}"' not in form
    if chairs:
        response = _rechair(officer, conference, chairs[0].id)
        assert response.status_code == 400
        assert "cannot be" in html.unescape(response.get_data(as_text=True))
