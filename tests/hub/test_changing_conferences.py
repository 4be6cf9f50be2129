"""Changing a case conference once convened, as its users do (demo partnership): the
convening officer (or the chair) moves it to another time or place, mends its question and
agenda, invites one more agency and expects more people, on a form that holds it as it
is. A new time moves its invitations' shares and its requests' due day, and its chair and
the people expected are told; one audit entry names the fields changed, never their
values. Bad input is refused at its field with nothing changed; an invited agency,
another agency, a stale form and a conference on a sitting, held or past may not."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.templating import UK, uk_datetime
from sharing import clock, notices
from sharing.access.decide import Actor
from sharing.meetings import requests, sittings
from sharing.models import (
    Agency,
    AuditEntry,
    Case,
    Conference,
    ConferenceInvitation,
    InformationRequest,
    Notice,
    User,
)
from sharing.vocabulary import ConferenceStatus, MinutesStatus, NoticeKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, free_for_chair
from tests.fixtures.demo_mail import BASE_URL, mail_hub  # noqa: F401 - a fixture
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_cancelling_conferences import _convene, _on_a_sitting, _reloaded
from tests.hub.test_conferences import QUESTION, _chaired_by_the_police, _open_cases
from tests.hub.test_notices import _personal_values
from tests.hub.test_sittings_moved_elsewhere import _last_sunday_of_october_after

NEW_QUESTION = "Agree who leads on the household, and whether Mr Adeyemi is offered a move"


def _entries(session: Session, action: str = "conference.change") -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _path(conference: Conference) -> str:
    return f"/conferences/{conference.id}/change"


def _opened(client: FlaskClient, conference: Conference) -> dict[str, object]:
    """The change form as its page gives it: its stamp and the values it holds."""
    path = _path(conference)
    page = client.get(path).get_data(as_text=True)
    stamp = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    shown = conference.starts_at.astimezone(UK)
    return {
        "csrf_token": csrf_token(client, path),
        "opened": stamp,
        "starts_at-day": str(shown.day),
        "starts_at-month": str(shown.month),
        "starts_at-year": str(shown.year),
        "starts_at-hour": str(shown.hour),
        "starts_at-minute": str(shown.minute),
        "place": conference.place or "",
        "video_link": conference.video_link or "",
        "question": QUESTION,
        "agenda": "1. Incidents since the last review\n2. Risk\n3. Actions",
    }


def _at(when: datetime) -> dict[str, str]:
    shown = when.astimezone(UK)
    return {
        "starts_at-day": str(shown.day),
        "starts_at-month": str(shown.month),
        "starts_at-year": str(shown.year),
        "starts_at-hour": str(shown.hour),
        "starts_at-minute": str(shown.minute),
    }


def _change(client: FlaskClient, conference: Conference, **given: object):
    data = {**_opened(client, conference), **given}
    return client.post(_path(conference), data=data)


def _later(session: Session, conference: Conference) -> datetime:
    """A time free for the conference's chair, some days after its own."""
    days = (conference.starts_at - clock.now()).days + 5
    return free_for_chair(session, conference.chair_id, days=days, hour=14, minute=0)


def test_the_convenor_moves_a_conference_and_its_chair_and_people_expected_are_told(
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        officer, conference = _convene(mail_hub, session)
        pcso, chair = conference.attendees[0].user, conference.chair
        reference = conference.case.reference
        page = f"/conferences/{conference.id}"
        assert "Change this conference" in officer.get(page).get_data(as_text=True)
        form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
        assert QUESTION in form  # held as it is
        assert "Civic Centre, committee room 2" in form
        inbox.wait_for(len(inbox.messages))
        before = len(inbox.messages)
        when = _later(session, conference)

        response = _change(officer, conference, **_at(when), place="Larkmoor House, room 4")

        assert response.status_code == 302, response.get_data(as_text=True)
        response.close()  # the notices go once the page has answered
        shown = html.unescape(officer.get(response.location).get_data(as_text=True))
        assert "Conference changed" in shown
        assert uk_datetime(when) in shown
        assert "Larkmoor House, room 4" in shown
        moved = _reloaded(session, conference)
        assert moved.starts_at == when
        assert moved.place == "Larkmoor House, room 4"
        assert {i.share.until for i in moved.invitations} == {moved.shares_end}
        assert moved.shares_end == min(
            clock.day_of(when) + timedelta(days=moved.share_days), moved.protocol.end_on
        )
        due = requests.due_on(when, clock.today())
        assert {r.due_on for r in moved.requests} == {due}

        # The chair and the person expected are told, and the managers of the agency asked
        # what it holds with nobody expected to answer (its request falls due anew); not
        # the one who moved it.
        adults = next(
            i.agency_id for i in moved.invitations if i.agency.code == "northshire-adults"
        )
        asked = {u.email for u in notices.managers(session, adults)}
        received = inbox.wait_for(before + 2 + len(asked))[before:]
        told = {m["To"]: m for m in received}
        assert set(told) == {pcso.email, chair.email, *asked}
        for message in received:
            assert message["Subject"] == f"A case conference has moved: case {reference}"
            text = message.get_content()
            assert f"it now meets on {uk_datetime(when)}" in text
            assert f"{BASE_URL}/conferences/{conference.id}#moved-" in text
            for value in [*_personal_values(moved), "Larkmoor House"]:
                assert value not in message.as_string()
        # The link lands on its new time on the conference's page.
        anchor = text.split(f"/conferences/{conference.id}#", 1)[1].split()[0]
        assert f'<span id="{anchor}">{uk_datetime(when)}</span>' in officer.get(page).get_data(
            as_text=True
        )

        # One entry: the fields changed and the shares moved, never the values.
        entry = _entries(session)[-1]
        assert (entry.object_type, entry.object_id) == ("conference", str(conference.id))
        shares = ",".join(
            str(i.share_id) for i in sorted(moved.invitations, key=lambda i: i.share_id)
        )
        assert entry.basis == (
            f"case {conference.case_id}; changed time, place; shares {shares} until "
            f"{moved.shares_end.isoformat()}"
        )
        assert "Larkmoor" not in entry.basis


def test_the_question_and_agenda_are_mended_and_sealed(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)

    response = _change(officer, conference, question=NEW_QUESTION, agenda="1. Housing options")

    assert response.status_code == 302, response.get_data(as_text=True)
    shown = html.unescape(officer.get(response.location).get_data(as_text=True))
    assert NEW_QUESTION in shown
    assert "1. Housing options" in shown
    changed = _reloaded(demo_session, conference)
    assert NEW_QUESTION.encode() not in changed.question  # sealed
    entry = _entries(demo_session)[-1]
    assert entry.basis == f"case {conference.case_id}; changed question, agenda"
    assert "Adeyemi" not in entry.basis
    # Nobody is told of a new question: it is on the conference's page.
    assert not demo_session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.CONFERENCE_MOVED)
    ).all()


def test_a_change_that_changes_nothing_says_so_and_records_nothing(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    before = len(_entries(demo_session))

    response = _change(officer, conference)

    assert response.status_code == 302, response.get_data(as_text=True)
    shown = html.unescape(officer.get(response.location).get_data(as_text=True))
    assert "Nothing changed: the conference is as it was." in shown
    assert len(_entries(demo_session)) == before


def test_bad_input_is_refused_at_its_field_with_nothing_changed(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    was = (conference.starts_at, conference.place)
    before = len(_entries(demo_session))
    past = clock.now() - timedelta(days=2)
    far = clock.now() + timedelta(days=400)
    for given, message, field in (
        (_at(past), "The conference must be in the future", "starts_at"),
        (_at(far), "The conference must be within a year from today", "starts_at"),
        (
            {"place": "", "video_link": ""},
            "Enter where the conference meets, or a video link",
            "place",
        ),
        (
            {"video_link": "http://meet.example/x"},
            "Enter a video link starting https://",
            "video_link",
        ),
        ({"question": "  "}, "Enter the question to decide", "question"),
        ({"question": "x" * 501}, "500 characters or fewer", "question"),
    ):
        response = _change(officer, conference, **given)
        assert response.status_code == 400, message
        text = html.unescape(response.get_data(as_text=True))
        assert message in text, message
        assert f'href="#{field}' in text, field  # the summary leads to the field
    kept = _reloaded(demo_session, conference)
    assert (kept.starts_at, kept.place) == was
    refusals = _entries(demo_session)[before:]
    assert [(e.outcome, e.basis) for e in refusals] == [
        ("refused", "refused input: starts_at"),
        ("refused", "refused input: starts_at"),
        ("refused", "refused input: place"),
        ("refused", "refused input: video_link"),
        ("refused", "refused input: question"),
        ("refused", "refused input: question"),
    ]


def _another_case_of_its_team(session: Session, case: Case) -> Case:
    """An open case of ``case``'s agency that no conference is about, worked by the team
    of ``case``'s officer (who may open it, and so read its reference)."""
    return next(
        c
        for c in session.scalars(_open_cases(Case.agency_id == case.agency_id))
        if c.officer.team == case.officer.team
    )


def test_a_time_when_the_chair_chairs_another_conference_is_refused(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    _, other = _convene(
        demo_hub, demo_session, case=_another_case_of_its_team(demo_session, conference.case)
    )
    assert other.chair_id == conference.chair_id

    response = _change(officer, conference, **_at(other.starts_at))

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert (
        f"The conference's chair already chairs the case conference on {other.case.reference}"
        in text
    )
    assert _reloaded(demo_session, conference).starts_at != other.starts_at
    # Its own time is no clash with itself: a new place at the same time is saved.
    response = _change(officer, conference, place="Civic Centre, committee room 3")
    assert response.status_code == 302, response.get_data(as_text=True)


def test_only_the_convening_agency_and_the_chair_may_change_a_conference(
    demo_hub, demo_session
) -> None:
    officer, chair, path, conference = _chaired_by_the_police(demo_hub, demo_session)
    before = len(_entries(demo_session))
    invited = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert "Change this conference" not in invited.get(path).get_data(as_text=True)
    assert invited.get(_path(conference)).status_code == 403
    sent = {"csrf_token": csrf_token(invited, "/"), "place": "Elsewhere"}
    assert invited.post(_path(conference), data=sent).status_code == 403
    other = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert other.get(_path(conference)).status_code == 404
    sent = {"csrf_token": csrf_token(other, "/"), "place": "Elsewhere"}
    assert other.post(_path(conference), data=sent).status_code == 404
    assert _reloaded(demo_session, conference).place == "Civic Centre, committee room 2"
    refused = _entries(demo_session)[before:]
    assert [e.outcome for e in refused] == ["refused"] * 4

    # The chair, of another agency, may: its time and place.
    chairing = demo_client(demo_hub, chair)
    assert "Change this conference" in chairing.get(path).get_data(as_text=True)
    form = _opened(chairing, conference)
    form.pop("question"), form.pop("agenda")  # not offered where their clauses do not give it
    response = chairing.post(_path(conference), data={**form, "place": "Police HQ, room 1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _reloaded(demo_session, conference).place == "Police HQ, room 1"


def test_a_form_opened_before_someone_else_changed_it_is_refused_with_nothing_lost(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    stale = _opened(officer, conference)
    first = _change(officer, conference, place="Civic Centre, committee room 9")
    assert first.status_code == 302

    response = officer.post(
        _path(conference), data={**stale, "video_link": "https://meet.example/a"}
    )

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert "Someone changed this after you opened it" in text
    assert "https://meet.example/a" in text  # what they typed is kept
    kept = _reloaded(demo_session, conference)
    assert (kept.place, kept.video_link) == ("Civic Centre, committee room 9", None)


def test_a_stale_form_names_who_changed_the_conference_and_when(demo_hub, demo_session) -> None:
    """The chair (of the police) moves it while the convening officer has its change form
    and its cancel form open: each, sent, is shown again saying who changed it and when."""
    officer, chair, _, conference = _chaired_by_the_police(demo_hub, demo_session)
    stale = _opened(officer, conference)
    cancel_path = f"/conferences/{conference.id}/cancel"
    cancel_page = officer.get(cancel_path).get_data(as_text=True)
    stale_cancel = cancel_page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    chairing = demo_client(demo_hub, chair)
    form = _opened(chairing, conference)
    form.pop("question"), form.pop("agenda")
    moved = chairing.post(_path(conference), data={**form, "place": "Police HQ, room 1"})
    assert moved.status_code == 302, moved.get_data(as_text=True)
    changed = _reloaded(demo_session, conference)
    assert changed.changed_by_id == chair.id
    said = (
        f"Someone changed this after you opened it (at {clock.moment_text(changed.changed_at)}"
        f", by {chair.display_name})"
    )

    response = officer.post(
        _path(conference), data={**stale, "video_link": "https://meet.example/b"}
    )

    assert response.status_code == 400
    assert said in html.unescape(response.get_data(as_text=True))
    cancelled = officer.post(
        cancel_path,
        data={
            "csrf_token": csrf_token(officer, cancel_path),
            "opened": stale_cancel,
            "reason": "no_longer_needed",
        },
    )
    assert cancelled.status_code == 400
    assert said in html.unescape(cancelled.get_data(as_text=True))
    kept = _reloaded(demo_session, conference)
    assert (kept.place, kept.video_link, kept.status) == (
        "Police HQ, room 1",
        None,
        ConferenceStatus.PLANNED,
    )


def test_a_form_opened_before_the_conference_moved_with_its_sitting_names_who_moved_it(
    demo_hub, demo_session
) -> None:
    conference = _on_a_sitting(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, conference.case.officer_id))
    stale = {**_opened(officer, conference), "question": NEW_QUESTION}
    for key in [k for k in stale if k.startswith("starts_at") or k in ("place", "video_link")]:
        stale.pop(key)
    sitting = conference.sitting
    mover = sitting.series.chair
    sittings.move(
        demo_session,
        Actor.of(mover),
        sitting.series_id,
        sitting.id,
        sitting.starts_at,
        place="Town Hall, council chamber",
    )
    demo_session.commit()
    moved = _reloaded(demo_session, conference)
    assert (moved.place, moved.changed_by_id) == ("Town Hall, council chamber", mover.id)

    response = officer.post(_path(conference), data=stale)

    assert response.status_code == 400
    assert f"(at {clock.moment_text(moved.changed_at)}, by {mover.display_name})" in html.unescape(
        response.get_data(as_text=True)
    )


def test_a_conference_on_a_sitting_moves_with_its_sitting_only(demo_hub, demo_session) -> None:
    conference = _on_a_sitting(demo_session)
    sitting = conference.sitting
    officer = demo_client(demo_hub, demo_session.get(User, conference.case.officer_id))
    form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
    assert "moves with it only" in form
    assert f"/meetings/{sitting.series_id}/sittings/{sitting.id}" in form
    assert 'name="starts_at-day"' not in form
    was = conference.starts_at

    response = _change(officer, conference, **_at(was + timedelta(days=1)))

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert "moves with that sitting only" in text
    assert f"/meetings/{sitting.series_id}/sittings/{sitting.id}" in text
    assert _reloaded(demo_session, conference).starts_at == was
    assert _entries(demo_session)[-1].basis == "refused input: starts_at"
    # Its question may still be mended.
    data = {**_opened(officer, conference), "question": NEW_QUESTION}
    for key in [k for k in data if k.startswith("starts_at") or k in ("place", "video_link")]:
        data.pop(key)
    assert officer.post(_path(conference), data=data).status_code == 302


def test_a_conference_held_cancelled_or_past_can_no_longer_be_changed(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    stale = _opened(officer, conference)
    planned = (conference.starts_at, None, ConferenceStatus.PLANNED)
    past = clock.now() - timedelta(hours=1)
    for (starts_at, minutes, status), why in (
        ((planned[0], MinutesStatus.DRAFT, planned[2]), "Minutes are recorded for the conference"),
        ((past, None, planned[2]), "Its date has passed"),
        ((planned[0], None, ConferenceStatus.CANCELLED), "The conference is cancelled"),
    ):
        record = _reloaded(demo_session, conference)
        record.starts_at, record.minutes_status, record.status = starts_at, minutes, status
        demo_session.commit()
        page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
        assert "Change this conference" not in page
        assert why in html.unescape(officer.get(_path(conference)).get_data(as_text=True))
        response = officer.post(_path(conference), data={**stale, "place": "Elsewhere"})
        assert response.status_code == 400
        assert why in html.unescape(response.get_data(as_text=True))
        assert _entries(demo_session)[-1].basis.startswith(f"refused: {why.lower()}")
    assert _reloaded(demo_session, conference).place == "Civic Centre, committee room 2"


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def test_the_convenor_invites_one_more_agency_and_expects_more_people(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    csp = _agency(demo_session, "northshire-csp")
    form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
    assert csp.name in form
    assert (
        "Northshire Police"
        not in form.split("Invite another agency", 1)[1].split("Show the people", 1)[0]
    )
    showing = officer.post(
        _path(conference),
        data={**_opened(officer, conference), "agencies": [str(csp.id)], "show_people": "yes"},
    )
    assert showing.status_code == 200
    coordinator = demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    assert coordinator.display_name in html.unescape(showing.get_data(as_text=True))

    response = _change(officer, conference, agencies=[str(csp.id)], attendees=[str(coordinator.id)])

    assert response.status_code == 302, response.get_data(as_text=True)
    changed = _reloaded(demo_session, conference)
    invitation = demo_session.scalar(
        select(ConferenceInvitation).where(
            ConferenceInvitation.conference_id == conference.id,
            ConferenceInvitation.agency_id == csp.id,
        )
    )
    assert invitation.share.until == changed.shares_end
    assert invitation.share.purpose == changed.purpose
    asked = demo_session.scalar(
        select(InformationRequest).where(
            InformationRequest.conference_id == conference.id,
            InformationRequest.agency_id == csp.id,
        )
    )
    assert asked.due_on == requests.due_on(changed.starts_at, clock.today())
    assert coordinator.id in {a.user_id for a in changed.attendees}
    told = demo_session.scalars(
        select(Notice.kind).where(
            Notice.user_id == coordinator.id,
            Notice.path.startswith(f"/conferences/{conference.id}"),
        )
    ).all()
    assert set(told) == {NoticeKind.INVITATION, NoticeKind.INFORMATION_REQUEST}
    entry = _entries(demo_session)[-1]
    assert entry.basis == (
        f"case {conference.case_id}; changed agencies, attendees; invitations "
        f"{invitation.id}; shares {invitation.share_id} made"
    )
    csp_client = demo_client(demo_hub, coordinator)
    assert csp_client.get(f"/conferences/{conference.id}").status_code == 200


def test_someone_who_could_not_open_it_is_not_expected_and_a_withdrawn_agency_not_invited_again(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    analyst = demo_user(demo_session, "northshire-police", Role.ANALYST)
    before = len(_entries(demo_session))

    response = _change(officer, conference, attendees=[str(analyst.id)])

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert f"{analyst.display_name} cannot be expected: their roles do not take part" in text
    adults = next(i for i in conference.invitations if i.agency.code == "northshire-adults")
    withdraw = f"/conferences/{conference.id}/invitations/{adults.id}/withdraw"
    officer.post(withdraw, data={"csrf_token": csrf_token(officer, withdraw)})
    response = _change(officer, conference, agencies=[str(adults.agency_id)])
    assert response.status_code == 400
    assert [e.basis for e in _entries(demo_session)[before:]] == [
        "refused input: attendees",
        "refused input: agencies",
    ]
    assert len(_reloaded(demo_session, conference).invitations) == 2


def test_a_person_expected_later_is_invited_and_an_agency_withdrawn_is_not_asked_again(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    adults = next(i for i in conference.invitations if i.agency.code == "northshire-adults")
    withdraw = f"/conferences/{conference.id}/invitations/{adults.id}/withdraw"
    officer.post(withdraw, data={"csrf_token": csrf_token(officer, withdraw)})
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    before = demo_session.scalar(select(func.max(Notice.id)))

    response = _change(officer, conference, attendees=[str(sergeant.id)])

    assert response.status_code == 302, response.get_data(as_text=True)
    queued = demo_session.scalars(select(Notice).where(Notice.id > before)).all()
    # Invited, and told what the police (asked at convening, not answered yet) are
    # asked, as those expected then were; adult safeguarding is asked nothing again.
    police = next(r for r in conference.requests if r.agency_id == sergeant.agency_id)
    assert sorted((n.user_id, n.kind, n.path) for n in queued) == sorted(
        [
            (sergeant.id, NoticeKind.INVITATION, f"/conferences/{conference.id}"),
            (
                sergeant.id,
                NoticeKind.INFORMATION_REQUEST,
                f"/conferences/{conference.id}/requests/{police.id}",
            ),
        ]
    )
    assert _entries(demo_session)[-1].basis == f"case {conference.case_id}; changed attendees"
    assert demo_client(demo_hub, sergeant).get(f"/conferences/{conference.id}").status_code == 200


def test_someone_expected_later_is_told_only_of_a_request_their_agency_has_not_answered(
    demo_hub, demo_session
) -> None:
    """A person newly expected is told of their agency's information request as those
    expected at convening were, while it waits; once their agency has answered it there is
    nothing to ask, so they are only invited."""
    officer, conference = _convene(demo_hub, demo_session)
    police = next(r for r in conference.requests if r.agency.code == "northshire-police")
    pcso = conference.attendees[0].user  # expected at convening, and told of it then
    requests.answer(demo_session, Actor.of(pcso), police.id, requests.AnswerInput(known=False))
    demo_session.commit()
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    before = demo_session.scalar(select(func.max(Notice.id)))

    response = _change(officer, conference, attendees=[str(sergeant.id)])

    assert response.status_code == 302, response.get_data(as_text=True)
    queued = demo_session.scalars(select(Notice).where(Notice.id > before)).all()
    assert [(n.user_id, n.kind) for n in queued] == [(sergeant.id, NoticeKind.INVITATION)]


def test_the_chair_of_another_agency_is_not_offered_agencies_to_invite(
    demo_hub, demo_session
) -> None:
    _, chair, path, conference = _chaired_by_the_police(demo_hub, demo_session)
    chairing = demo_client(demo_hub, chair)
    form = html.unescape(chairing.get(_path(conference)).get_data(as_text=True))
    assert "Invite another agency" not in form
    csp = _agency(demo_session, "northshire-csp")
    data = _opened(chairing, conference)
    data.pop("question"), data.pop("agenda")
    response = chairing.post(_path(conference), data={**data, "agencies": [str(csp.id)]})
    assert response.status_code == 400
    assert len(_reloaded(demo_session, conference).invitations) == 2
    assert _entries(demo_session)[-1].outcome == "refused"


def _last_sunday(year: int, month: int) -> date:
    return max(date(year, month, d) for d in range(25, 32) if date(year, month, d).weekday() == 6)


def _on_the_clock(day: date, hour: int, minute: int) -> dict[str, str]:
    """The form's date and time boxes as a user types them."""
    return {
        "starts_at-day": str(day.day),
        "starts_at-month": str(day.month),
        "starts_at-year": str(day.year),
        "starts_at-hour": str(hour),
        "starts_at-minute": str(minute),
    }


def test_a_conference_in_the_second_hour_the_clocks_show_twice_keeps_its_time_as_its_place_changes(
    demo_hub, demo_session
) -> None:
    """1:30am on the last Sunday in October comes twice, in summer time then in winter
    time; the form shows either as 1:30, and 1:30 read back is the first. A conference at
    the second whose place alone changes stays at the second, not an hour earlier, as a
    sitting does; so does one at the first."""
    officer, conference = _convene(demo_hub, demo_session)
    second = _last_sunday_of_october_after(clock.now())
    for moment in (second, second - timedelta(hours=1)):
        assert moment.astimezone(UK).hour == 1
        conference = _reloaded(demo_session, conference)
        conference.starts_at = moment
        demo_session.commit()
        place = f"Civic Centre, room {moment.hour}"

        response = _change(officer, conference, place=place)

        assert response.status_code == 302, response.get_data(as_text=True)
        kept = _reloaded(demo_session, conference)
        assert (kept.starts_at, kept.place) == (moment, place)
        assert _entries(demo_session)[-1].basis == f"case {conference.case_id}; changed place"


def test_a_new_time_the_clocks_show_twice_or_skip_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    """Moved to 1:30am on the last Sunday in October, a conference would meet at a time
    the people told of it could not place (it comes twice); to 1:30am on the last Sunday
    in March, at a time that never comes. Each is refused at the time, nothing changed,
    the refusal recorded naming the field."""
    officer, conference = _convene(demo_hub, demo_session)
    was = conference.starts_at
    october = clock.day_of(_last_sunday_of_october_after(clock.now()))
    march = next(
        day
        for day in (_last_sunday(y, 3) for y in (october.year - 1, october.year, october.year + 1))
        if day > clock.today()
    )
    for day, said in (
        (
            october,
            "The date and time of the conference must be a time the clocks show once: they go "
            "back an hour at 2am that day (from 1am to 2am comes twice)",
        ),
        (
            march,
            "The date and time of the conference must be a time that happened: the clocks "
            "went forward an hour at 1am that day",
        ),
    ):
        before = len(_entries(demo_session))

        response = _change(officer, conference, **_on_the_clock(day, 1, 30))

        assert response.status_code == 400
        assert said in html.unescape(response.get_data(as_text=True))
        assert _reloaded(demo_session, conference).starts_at == was
        refused = _entries(demo_session)[before:]
        assert [(e.outcome, e.basis) for e in refused] == [("refused", "refused input: starts_at")]

    # The same day at 2:30am, shown once, moves it.
    response = _change(officer, conference, **_on_the_clock(october, 2, 30))
    assert response.status_code == 302, response.get_data(as_text=True)
    moved = _reloaded(demo_session, conference).starts_at
    assert moved.astimezone(UK).hour == 2
    assert not clock.shown_twice(moved)
