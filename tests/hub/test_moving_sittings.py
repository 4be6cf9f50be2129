"""Moving or cancelling a partnership meeting's sitting as its users do (demo partnership):
the problem-solving group's chair moves a sitting, and the conferences on its agenda and
their shares move with it; or cancels one, and its conferences are cancelled, their
shares ended. Its members and the officer who brought a case are told, by a notice that
names no case. Only whoever may schedule sittings may; not once the sitting is held;
bad input is refused at its field with nothing changed; a form opened before the sitting
was moved is refused; each act is audited, never with the canceller's note."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from hub.templating import UK, uk_date
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.errors import InputError
from sharing.meetings import bringing_cases, series, sittings
from sharing.models import (
    AuditEntry,
    Case,
    Conference,
    MeetingSeries,
    MeetingSitting,
    Notice,
    User,
)
from sharing.vocabulary import CaseStatus, ConferenceStatus, MinutesStatus, NoticeKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import bring_a_case, chaired_times, clashes, demo_client, demo_user

GROUP = "Northshire ASB problem-solving group"
QUESTION = "Agree who leads on the household and a joint plan with the police"


def _group(session: Session) -> MeetingSeries:
    session.expire_all()
    return session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _new_sitting(session: Session, days: int = 0) -> MeetingSitting:
    """A sitting of the group its chair schedules in a few days, when they chair nothing."""
    group = _group(session)
    taken = chaired_times(session, group.chair_id)
    when = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3 + days)
    while clashes(when, taken):
        when += timedelta(hours=5)
    sitting = series.schedule(session, Actor.of(group.chair), group.id, when)
    session.commit()
    return sitting


def _sitting_with_a_case(session: Session) -> tuple[MeetingSitting, Conference]:
    """A new sitting to come with a Northshire Homes case brought to it by its officer."""
    sitting = _new_sitting(session)
    return sitting, bring_a_case(session, sitting, QUESTION)


def _path(sitting: MeetingSitting, what: str) -> str:
    return f"/meetings/{sitting.series_id}/sittings/{sitting.id}/{what}"


def _when(moment: datetime) -> dict[str, str]:
    local = moment.astimezone(UK)
    return {
        "starts_at-day": str(local.day),
        "starts_at-month": str(local.month),
        "starts_at-year": str(local.year),
        "starts_at-hour": str(local.hour),
        "starts_at-minute": f"{local.minute:02d}",
    }


def _chair(demo_hub, session: Session) -> FlaskClient:
    return demo_client(demo_hub, _group(session).chair)


def _form(client: FlaskClient, path: str) -> dict[str, str]:
    """The form as the page gives it: its stamp and, on the move form, the sitting's
    place and video link as they are."""
    page = client.get(path).get_data(as_text=True)
    stamp = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    given = {"csrf_token": csrf_token(client, path), "opened": stamp}
    for field in ("place", "video_link"):
        if (found := re.search(f'name="{field}"[^>]*value="([^"]*)"', page)) is not None:
            given[field] = html.unescape(found[1])
    return given


def _a_free_time(sitting: MeetingSitting, days: int = 3) -> datetime:
    """``days`` after the sitting, or the first hour after when its chair chairs nothing."""
    session = object_session(sitting)
    assert session is not None
    moment = sitting.starts_at + timedelta(days=days)
    taken = chaired_times(session, sitting.series.chair_id)
    while clashes(moment, taken):
        moment += timedelta(hours=1)
    return moment


def test_the_chair_moves_a_sitting_and_its_conferences_and_shares_move_with_it(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    chair = _chair(demo_hub, demo_session)
    page = chair.get(f"/meetings/{sitting.series_id}/sittings/{sitting.id}").get_data(as_text=True)
    assert "Move this sitting" in page
    assert "Cancel this sitting" in page
    new = _a_free_time(sitting)
    response = chair.post(
        _path(sitting, "move"), data={**_form(chair, _path(sitting, "move")), **_when(new)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Sitting moved" in chair.get(response.location).get_data(as_text=True)

    demo_session.expire_all()
    moved = demo_session.get(MeetingSitting, sitting.id)
    assert moved.starts_at == new
    assert moved.changed_by_id == _group(demo_session).chair_id
    conference = demo_session.get(Conference, conference.id)
    assert conference.starts_at == new
    assert conference.status is ConferenceStatus.PLANNED
    assert conference.shares_end == min(
        clock.day_of(new) + timedelta(days=28), conference.protocol.end_on
    )
    for invitation in conference.invitations:
        assert invitation.share.until == conference.shares_end
    # Its members and the officer who brought the case are told, once each, the new time.
    told = demo_session.scalars(select(Notice).where(Notice.kind == NoticeKind.SITTING_MOVED)).all()
    people = {n.user_id for n in told}
    assert conference.convened_by_id in people
    assert {m.user_id for m in moved.series.members} - {moved.series.chair_id} <= people
    assert moved.series.chair_id not in people  # who moved it
    assert all(n.about == new and n.sitting_id == sitting.id for n in told)
    assert all(n.reference is None for n in told)  # no case's reference
    # Audited on the sitting and on the case, naming no time, place or person.
    entries = _entries(demo_session, "meeting.move")
    assert {
        ("meeting_sitting", str(sitting.id)),
        ("case", str(conference.case_id)),
    } <= {(e.object_type, e.object_id) for e in entries}
    assert str(conference.id) in entries[-1].basis
    on_case = next(e for e in entries if e.object_id == str(conference.case_id))
    assert on_case.basis.endswith(f"until {conference.shares_end.isoformat()}")
    assert all(e.object_type in ("meeting_sitting", "case") for e in entries)


def test_a_move_is_refused_at_its_field_and_nothing_moves(demo_hub, demo_session) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    other = _new_sitting(demo_session, days=1)
    was = sitting.starts_at
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    protocol_end = conference.protocol.end_on
    late = datetime.combine(protocol_end + timedelta(days=2), datetime.min.time(), UTC)
    cases = [
        ({"starts_at-day": ""}, "The date and time the sitting moves to must include a day"),
        (_when(clock.now() - timedelta(days=1)), "must move to a time in the future"),
        (_when(other.starts_at), "The meeting already sits on"),
        (_when(clock.now() + timedelta(days=400)), "within a year"),
    ]
    if late < clock.now() + timedelta(days=366):
        cases.append((_when(late + timedelta(hours=10)), f"ends on {protocol_end:%-d %B %Y}"))
    for given, message in cases:
        data = {**_form(chair, path), **_when(was + timedelta(days=1)), **given}
        response = chair.post(path, data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), message
        assert 'href="#starts_at' in response.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(MeetingSitting, sitting.id).starts_at == was
    assert demo_session.get(Conference, conference.id).starts_at == was
    refusals = [e for e in _entries(demo_session, "meeting.move") if e.outcome == "refused"]
    assert len(refusals) == len(cases)
    assert all("starts_at" in e.basis for e in refusals)


def test_a_move_past_the_protocols_end_is_refused_saying_when_it_ends(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    fine = _a_free_time(sitting, days=4)
    protocol = conference.protocol
    ends = protocol.end_on
    protocol.end_on = clock.day_of(fine) + timedelta(days=1)
    demo_session.commit()
    try:
        _moved_by_the_protocols_end(demo_hub, demo_session, sitting, conference, fine)
    finally:
        protocol.end_on = ends
        demo_session.commit()


def _moved_by_the_protocols_end(
    demo_hub,
    demo_session: Session,
    sitting: MeetingSitting,
    conference: Conference,
    fine: datetime,
) -> None:
    """A move to after the protocol ends is refused; ``fine``, a day before, is not."""
    protocol = conference.protocol
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    response = chair.post(
        path,
        data={**_form(chair, path), **_when(fine + timedelta(days=3))},
    )
    assert response.status_code == 400
    assert f"ends on {protocol.end_on:%-d %B %Y}" in response.get_data(as_text=True)
    # A day before it ends is fine, and the shares end with the protocol, not 28 days on.
    response = chair.post(path, data={**_form(chair, path), **_when(fine)})
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    conference = demo_session.get(Conference, conference.id)
    assert {i.share.until for i in conference.invitations} == {protocol.end_on}


def test_the_chair_cancels_a_sitting_and_its_conferences_are_cancelled_their_shares_ended(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    about_it = or_(  # its page and its pages below, not /conferences/70 for /conferences/7
        Notice.path == f"/conferences/{conference.id}",
        Notice.path.startswith(f"/conferences/{conference.id}/"),
    )
    waiting = demo_session.scalars(
        select(Notice.id).where(about_it, Notice.sent_at.is_(None))
    ).all()
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "cancel")
    note = "The council chamber is closed for repairs"
    response = chair.post(path, data={**_form(chair, path), "reason": "venue", "note": note})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = chair.get(response.location).get_data(as_text=True)
    assert "Sitting cancelled" in page
    assert "This sitting is cancelled: the place is no longer available" in page
    assert note in page
    assert "Move this sitting" not in page

    demo_session.expire_all()
    cancelled = demo_session.get(MeetingSitting, sitting.id)
    assert cancelled.cancelled
    assert cancelled.cancel_note == note
    conference = demo_session.get(Conference, conference.id)
    assert conference.status is ConferenceStatus.CANCELLED
    assert conference.invitations
    assert all(i.share.revoked_at is not None for i in conference.invitations)
    # Its invitation and requests not yet sent are not sent; the cancellation is.
    # (By what they are about: SQLite may give a new notice a dropped one's id.)
    assert waiting
    assert not demo_session.scalars(
        select(Notice).where(
            about_it, Notice.sent_at.is_(None), Notice.kind != NoticeKind.SITTING_CANCELLED
        )
    ).all()
    told = demo_session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.SITTING_CANCELLED)
    ).all()
    assert conference.convened_by_id in {n.user_id for n in told}
    # Audited with its reason, never the note; each share's end audited on the case.
    entry = _entries(demo_session, "meeting.cancel")[-1]
    assert entry.basis.startswith("reason venue")
    assert "repairs" not in entry.basis
    revoked = [
        e
        for e in _entries(demo_session, "share.revoke")
        if e.object_id == str(conference.case_id) and "conference was cancelled" in e.basis
    ]
    assert len(revoked) == len(conference.invitations)
    # The meeting's page marks it; no case can be brought to it; nothing sits on it twice.
    meeting = chair.get(f"/meetings/{sitting.series_id}").get_data(as_text=True)
    assert "Cancelled" in meeting
    assert sitting.id not in {s.id for s in bringing_cases.sittings_to_bring(demo_session, 1)}
    cancelled_before = len(_entries(demo_session, "meeting.cancel"))
    again = chair.post(path, data={"csrf_token": csrf_token(chair, path), "reason": "venue"})
    assert again.status_code == 400
    assert "The sitting is cancelled, so it can no longer be moved or cancelled" in (
        again.get_data(as_text=True)
    )
    refused = _entries(demo_session, "meeting.cancel")[cancelled_before:]
    assert [(e.outcome, e.basis) for e in refused] == [
        ("refused", "refused: the sitting is cancelled")
    ]


def test_a_cancellation_needs_a_reason_and_a_note_for_another_reason(
    demo_hub, demo_session
) -> None:
    sitting, _ = _sitting_with_a_case(demo_session)
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "cancel")
    before = len(_entries(demo_session, "meeting.cancel"))
    for given, message in (
        ({"reason": ""}, "Select why it is cancelled"),
        ({"reason": "other", "note": "  "}, "Say why the sitting is cancelled"),
        ({"reason": "venue", "note": "x" * 501}, "500 characters or fewer"),
    ):
        response = chair.post(path, data={**_form(chair, path), **given})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), message
    demo_session.expire_all()
    assert not demo_session.get(MeetingSitting, sitting.id).cancelled
    refusals = _entries(demo_session, "meeting.cancel")[before:]
    assert [e.outcome for e in refusals] == ["refused"] * 3
    assert [e.basis for e in refusals] == [
        "refused input: reason",
        "refused input: note",
        "refused input: note",
    ]


def test_only_those_who_may_schedule_sittings_may_move_or_cancel_one(
    demo_hub, demo_session
) -> None:
    sitting, _ = _sitting_with_a_case(demo_session)
    moves, cancels = (len(_entries(demo_session, f"meeting.{a}")) for a in ("move", "cancel"))
    page_path = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    assert "Cancel this sitting" in manager.get(page_path).get_data(as_text=True)
    assert manager.get(_path(sitting, "move")).status_code == 200
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER))
    assert "Cancel this sitting" not in officer.get(page_path).get_data(as_text=True)
    for what in ("move", "cancel"):
        assert officer.get(_path(sitting, what)).status_code == 403
        response = officer.post(
            _path(sitting, what),
            data={"csrf_token": csrf_token(officer, "/meetings"), "reason": "venue"},
        )
        assert response.status_code == 403
    assert (
        demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
        .get(f"/meetings/{sitting.series_id}/sittings/999999/move")
        .status_code
        == 404
    )
    refused = (
        _entries(demo_session, "meeting.move")[moves:]
        + _entries(demo_session, "meeting.cancel")[cancels:]
    )
    assert [(e.outcome, e.object_id) for e in refused] == [("refused", str(sitting.id))] * 4
    demo_session.expire_all()
    assert not demo_session.get(MeetingSitting, sitting.id).cancelled


def test_a_sitting_held_can_no_longer_be_moved_or_cancelled(demo_hub, demo_session) -> None:
    group = _group(demo_session)
    past = next(s for s in group.sittings if s.starts_at < clock.now())
    chair = _chair(demo_hub, demo_session)
    page = chair.get(f"/meetings/{group.id}/sittings/{past.id}").get_data(as_text=True)
    assert "Move this sitting" not in page
    assert "The sitting has taken place, so it can no longer be moved or cancelled" in page
    # A sitting to come whose minutes someone began (held early) is held too.
    sitting, conference = _sitting_with_a_case(demo_session)
    conference.minutes_status = MinutesStatus.DRAFT
    demo_session.commit()
    path = _path(sitting, "cancel")
    shown = chair.get(path).get_data(as_text=True)
    assert "Minutes are recorded for a case on its agenda" in shown
    assert "Cancel the sitting" not in shown
    was = sitting.starts_at
    with pytest.raises(InputError, match="Minutes are recorded"):
        sittings.move(
            demo_session, Actor.of(group.chair), group.id, sitting.id, was + timedelta(days=2)
        )
    demo_session.rollback()
    assert demo_session.get(MeetingSitting, sitting.id).starts_at == was


def test_a_form_opened_before_the_sitting_was_moved_is_refused_saying_who_moved_it(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "cancel")
    opened = _form(chair, path)
    manager = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    moved_to = _a_free_time(sitting, days=2)
    sittings.move(demo_session, Actor.of(manager), sitting.series_id, sitting.id, moved_to)
    demo_session.commit()
    response = chair.post(path, data={**opened, "reason": "too_few"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Someone changed this after you opened it" in page
    assert manager.display_name in page
    demo_session.expire_all()
    assert not demo_session.get(MeetingSitting, sitting.id).cancelled
    # Having seen the move, cancelling again goes through.
    stamp = page.split('name="opened" value="', 1)[1].split('"', 1)[0]
    again = chair.post(
        path,
        data={"csrf_token": opened["csrf_token"], "opened": stamp, "reason": "too_few"},
    )
    assert again.status_code == 302


def test_the_convening_message_says_when_the_protocol_ends_the_shares(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    ends = conference.protocol.end_on
    conference.protocol.end_on = clock.day_of(sitting.starts_at) + timedelta(days=3)
    demo_session.commit()
    try:
        _brought_before_the_protocols_end(demo_hub, demo_session, sitting, conference)
    finally:
        conference.protocol.end_on = ends
        demo_session.commit()


def _brought_before_the_protocols_end(
    demo_hub, demo_session: Session, sitting: MeetingSitting, conference: Conference
) -> None:
    taken = {c.case_id for c in demo_session.get(MeetingSitting, sitting.id).conferences}
    case = next(
        c
        for c in demo_session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(Case.id)
        )
        if c.id not in taken
    )
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    path = f"/cases/{case.id}/meetings/bring"
    response = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "sitting": str(sitting.id),
            "question": QUESTION,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = officer.get(response.location).get_data(as_text=True)
    assert f"until {uk_date(conference.protocol.end_on)}" in page


def test_a_chair_who_reads_their_own_agencys_case_through_the_conference_stops_when_it_is_cancelled(
    demo_hub, demo_session
) -> None:
    """The group's chair, a conference chair of community safety, reads a community safety
    case brought to a sitting only through its conference (their roles do not work the
    case), as an invited chair would: once the sitting and its conferences are cancelled,
    their invitations' shares end at once, and so does the chair's reading of it."""
    sitting = _new_sitting(demo_session)
    case = demo_session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="northshire-csp"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    ).first()
    officer = Actor.of(demo_session.get(User, case.officer_id))
    conference = bringing_cases.bring_case(
        demo_session,
        authorise(demo_session, officer, case.id, Act.CONVENE),
        sitting.id,
        QUESTION,
        share_days=28,
    )
    demo_session.commit()
    group_chair = _group(demo_session).chair
    assert conference.chair_id == group_chair.id
    assert group_chair.agency_id == case.agency_id
    assert group_chair.roles == {Role.CONFERENCE_CHAIR}
    chair = _chair(demo_hub, demo_session)
    page = f"/conferences/{conference.id}"
    assert chair.get(page).status_code == 200
    assert chair.get(f"{page}/pack").status_code == 200
    assert page in chair.get("/conferences").get_data(as_text=True)

    path = _path(sitting, "cancel")
    response = chair.post(path, data={**_form(chair, path), "reason": "nothing_to_discuss"})
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Conference, conference.id).status is ConferenceStatus.CANCELLED
    # As for the agencies invited, whose shares ended: the conference and the case in its
    # pack are no longer open to the chair.
    assert chair.get(page).status_code == 404
    assert chair.get(f"{page}/pack").status_code == 404
    assert chair.get(f"{page}/pack.pdf").status_code == 404
    assert page not in chair.get("/conferences").get_data(as_text=True)


def test_a_sittings_video_link_is_a_link_that_opens_as_any_other(demo_hub, demo_session) -> None:
    """The sitting's page gives its https video link as a link (in the same tab, as every
    link of the hub), the conference brought to it too."""
    sitting, conference = _sitting_with_a_case(demo_session)
    link = "https://meet.example.org/asb-group?room=7&pin=2"
    sitting = demo_session.get(MeetingSitting, sitting.id)
    sitting.video_link = link
    conference = demo_session.get(Conference, conference.id)
    conference.video_link = link
    demo_session.commit()
    chair = _chair(demo_hub, demo_session)
    anchor = (
        '<a class="govuk-link hub-text" href="https://meet.example.org/asb-group?room=7&amp;pin=2">'
    )
    for path in (
        f"/meetings/{sitting.series_id}/sittings/{sitting.id}",
        f"/conferences/{conference.id}",
    ):
        page = chair.get(path).get_data(as_text=True)
        assert anchor in page, path
        assert 'target="_blank"' not in page


def test_a_cases_conference_list_says_which_meeting_it_was_brought_to(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    case = demo_session.get(Case, conference.case_id)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"at {GROUP}, {uk_date(sitting.starts_at)}" in page
