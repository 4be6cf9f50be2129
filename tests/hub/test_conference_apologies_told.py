"""A conference's chair and its convenor are told by e-mail when someone expected sends
their apologies, and when they take them back; the message names no one and links to the
person's line among the people expected. Apologies taken back are told only to those
already told of them: before anyone was told, to no one."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.notice_messages import compose
from hub.settings import MailSettings
from sharing import clock
from sharing.meeting_notices import apologies_changed
from sharing.models import Conference, ConferenceAttendee, Notice
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conference_meeting import _post
from tests.hub.test_conferences import _convened
from tests.hub.test_trigger_appeal_in_hand import _send_waiting


def _expected_pcso(session: Session, conference: Conference):  # type: ignore[no-untyped-def]
    pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    place = ConferenceAttendee(conference=conference, user_id=pcso.id)
    session.add(place)
    session.commit()
    return pcso, place


def _told(session: Session, kind: NoticeKind, path: str) -> list[Notice]:
    session.expire_all()
    return list(session.scalars(select(Notice).where(Notice.kind == kind, Notice.path == path)))


def test_the_chair_and_convenor_are_told_of_apologies_sent_and_taken_back(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    pcso, place = _expected_pcso(demo_session, conference)
    police = demo_client(demo_hub, pcso)
    base = f"/conferences/{conference.id}"
    path = f"{base}#attendee-{place.id}"

    assert _post(police, f"{base}/apologies").status_code == 302
    sent = _told(demo_session, NoticeKind.APOLOGIES, path)
    assert {n.user_id for n in sent} == {conference.chair_id, conference.convened_by_id}
    message = compose(sent[0], MailSettings(), "Partnership hub")
    body = message.get_content()
    assert (
        message["Subject"] == f"Apologies for a case conference: case {conference.case.reference}"
    )
    assert "has sent their apologies: they cannot come" in body
    assert pcso.display_name not in body
    assert pcso.display_name not in message["Subject"]
    assert path in body
    page = html.unescape(officer.get(base).get_data(as_text=True))
    assert (
        f'<li id="attendee-{place.id}">{pcso.display_name}, Northshire Police (sent apologies)'
        in page
    )

    _send_waiting(demo_hub)  # as ``hub notices send`` does: the chair and convenor are told
    assert _post(police, f"{base}/apologies", coming="yes").status_code == 302
    taken_back = _told(demo_session, NoticeKind.APOLOGIES_TAKEN_BACK, path)
    assert {n.user_id for n in taken_back} == {conference.chair_id, conference.convened_by_id}
    body = compose(taken_back[0], MailSettings(), "Partnership hub").get_content()
    assert "has taken them back: they can come after all" in body
    assert pcso.id not in {n.user_id for n in [*sent, *taken_back]}


def test_apologies_taken_back_before_anyone_was_told_are_never_told(demo_hub, demo_session) -> None:
    conference, _ = _convened(demo_hub, demo_session)
    pcso, place = _expected_pcso(demo_session, conference)
    path = f"/conferences/{conference.id}#attendee-{place.id}"
    now = clock.now()

    assert apologies_changed(demo_session, conference, place.id, pcso.id, sent=True, now=now) == 2
    demo_session.flush()
    assert apologies_changed(demo_session, conference, place.id, pcso.id, sent=False, now=now) == 0
    demo_session.commit()

    assert _told(demo_session, NoticeKind.APOLOGIES, path) == []
    assert _told(demo_session, NoticeKind.APOLOGIES_TAKEN_BACK, path) == []


def test_apologies_taken_back_are_told_to_those_who_were_told_of_them_only(
    demo_hub, demo_session
) -> None:
    """The apologies' e-mail went to the chair but still waits for the convenor (their
    mail server failed): taken back, the convenor's is dropped and only the chair is told."""
    conference, _ = _convened(demo_hub, demo_session)
    pcso, place = _expected_pcso(demo_session, conference)
    path = f"/conferences/{conference.id}#attendee-{place.id}"
    now = clock.now()
    assert apologies_changed(demo_session, conference, place.id, pcso.id, sent=True, now=now) == 2
    demo_session.flush()
    to_chair = next(
        n
        for n in _told(demo_session, NoticeKind.APOLOGIES, path)
        if n.user_id == conference.chair_id
    )
    to_chair.sent_at = now  # delivered to the chair only
    demo_session.flush()

    assert apologies_changed(demo_session, conference, place.id, pcso.id, sent=False, now=now) == 1
    demo_session.commit()

    assert [n.user_id for n in _told(demo_session, NoticeKind.APOLOGIES, path)] == [
        conference.chair_id
    ]
    assert [n.user_id for n in _told(demo_session, NoticeKind.APOLOGIES_TAKEN_BACK, path)] == [
        conference.chair_id
    ]
