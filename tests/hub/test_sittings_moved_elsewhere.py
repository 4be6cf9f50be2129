"""What moving or cancelling a sitting left undone, as its users meet it (demo
partnership): a sitting moved to another place as well as another time, and its cases'
conferences with it; a cancelled sitting's reason on its cases' conference pages; the
next sitting proposed by the cadence from the last sitting not cancelled; the managers
of the agencies invited told of a move or a cancellation as they were of the convening;
and sitting notices that point at their sitting, not at a case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.notice_messages import compose, topic
from hub.templating import UK, uk_datetime
from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import series, sitting_dates, sittings
from sharing.models import Area, Conference, MeetingSeries, MeetingSitting, Notice, User
from sharing.vocabulary import Cadence, NoticeKind, Role
from tests.fixtures.demo import demo_client
from tests.hub.test_moving_sittings import (
    _a_free_time,
    _chair,
    _entries,
    _form,
    _path,
    _sitting_with_a_case,
    _when,
)
from tests.hub.test_moving_sittings import (
    _group as sitting_group,
)

CANCELLED = datetime(2027, 2, 9, 10, tzinfo=UTC)


def _sittings(cadence: Cadence, *sittings: tuple[datetime, bool]) -> MeetingSeries:
    return MeetingSeries(
        cadence=cadence,
        sittings=[
            MeetingSitting(starts_at=at, cancelled_at=CANCELLED if cancelled else None)
            for at, cancelled in sittings
        ],
    )


def test_the_next_sitting_counts_from_the_last_sitting_not_cancelled() -> None:
    # Held on the second Tuesday of January; February's (the second Tuesday) cancelled:
    # February's place in the cadence is free again, not March's second Tuesday.
    group = _sittings(
        Cadence.MONTHLY,
        (datetime(2027, 1, 12, 10, tzinfo=UTC), False),
        (datetime(2027, 2, 9, 10, tzinfo=UTC), True),
    )
    after = datetime(2027, 1, 20, tzinfo=UTC)
    assert sitting_dates.next_sitting(group, after=after) == datetime(2027, 2, 9, 10, tzinfo=UTC)
    # Once February's day has passed, March's.
    after = datetime(2027, 2, 10, tzinfo=UTC)
    assert sitting_dates.next_sitting(group, after=after) == datetime(2027, 3, 9, 10, tzinfo=UTC)


def test_a_sitting_held_after_a_cancelled_one_is_counted_from() -> None:
    group = _sittings(
        Cadence.WEEKLY,
        (datetime(2027, 1, 5, 10, tzinfo=UTC), True),
        (datetime(2027, 1, 12, 10, tzinfo=UTC), False),
        (datetime(2027, 1, 19, 10, tzinfo=UTC), True),
    )
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert sitting_dates.next_sitting(group, after=after) == datetime(2027, 1, 19, 10, tzinfo=UTC)


def test_with_every_sitting_cancelled_the_cadence_starts_again_from_the_first() -> None:
    group = _sittings(
        Cadence.FORTNIGHTLY,
        (datetime(2027, 1, 5, 10, tzinfo=UTC), True),
        (datetime(2027, 1, 19, 10, tzinfo=UTC), True),
    )
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert sitting_dates.next_sitting(group, after=after) == datetime(2027, 1, 5, 10, tzinfo=UTC)
    after = datetime(2027, 1, 6, tzinfo=UTC)
    assert sitting_dates.next_sitting(group, after=after) == datetime(2027, 1, 19, 10, tzinfo=UTC)


def _cancelled(demo_hub, session: Session, note: str) -> Conference:
    sitting, conference = _sitting_with_a_case(session)
    chair = _chair(demo_hub, session)
    path = _path(sitting, "cancel")
    response = chair.post(
        path, data={**_form(chair, path), "reason": "chair_unavailable", "note": note}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    return session.get(Conference, conference.id)


def test_a_cancelled_sittings_conference_page_says_why(demo_hub, demo_session) -> None:
    note = "The chair is at the county tasking meeting that morning"
    conference = _cancelled(demo_hub, demo_session, note)
    officer = demo_client(demo_hub, conference.convened_by)
    page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Cancelled" in page
    assert "is cancelled: the chair cannot attend" in page
    assert note in page


def test_the_cancellation_note_is_for_the_meetings_area_alone(demo_hub, demo_session) -> None:
    note = "Room 4 is being redecorated"
    conference = _cancelled(demo_hub, demo_session, note)
    agency = conference.case.agency
    area_id = agency.area_id
    elsewhere = Area(code="elsewhere", name="Elsewhere", homes=1000)
    demo_session.add(elsewhere)
    demo_session.flush()
    agency.area_id = elsewhere.id
    demo_session.commit()
    try:
        officer = demo_client(demo_hub, conference.convened_by)
        page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
        assert "is cancelled: the chair cannot attend" in page
        assert note not in page
    finally:
        agency.area_id = area_id
        demo_session.commit()
        demo_session.expire_all()
        demo_session.delete(demo_session.get(Area, elsewhere.id))
        demo_session.commit()


def _told_of_convening(session: Session, conference: Conference) -> set[int]:
    return set(
        session.scalars(
            select(Notice.user_id).where(
                Notice.kind.in_([NoticeKind.INVITATION, NoticeKind.INFORMATION_REQUEST]),
                Notice.path.startswith(f"/conferences/{conference.id}"),
            )
        )
    )


def _told(session: Session, kind: NoticeKind, sitting: MeetingSitting) -> set[int]:
    session.expire_all()
    return set(
        session.scalars(
            select(Notice.user_id).where(
                Notice.kind == kind,
                Notice.path.startswith(f"/meetings/{sitting.series_id}/sittings/{sitting.id}"),
            )
        )
    )


def _moved_or_cancelled(session: Session, sitting: MeetingSitting, act: str) -> NoticeKind:
    group = sitting.series
    chair = Actor.of(group.chair)
    if act == "move":
        sittings.move(session, chair, group.id, sitting.id, _a_free_time(sitting))
        session.commit()
        return NoticeKind.SITTING_MOVED
    sittings.cancel(session, chair, group.id, sitting.id, "too_few")
    session.commit()
    return NoticeKind.SITTING_CANCELLED


@pytest.mark.parametrize("act", ["move", "cancel"])
def test_everyone_the_convening_told_is_told_of_a_move_or_a_cancellation(
    demo_hub, demo_session, act
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    convening = _told_of_convening(demo_session, conference)
    told = _told(demo_session, _moved_or_cancelled(demo_session, sitting, act), sitting)
    assert convening - {sitting.series.chair_id} <= told


@pytest.mark.parametrize("act", ["move", "cancel"])
def test_an_invited_agency_whose_people_expected_have_left_has_its_managers_told(
    demo_hub, demo_session, act
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    chair_agency = sitting.series.chair.agency_id
    expected = {a.user_id for a in conference.attendees}
    # An invited agency (not the chair's) with a manager not expected at the conference.
    invited, managers = next(
        (i.agency, found)
        for i in conference.invitations
        if i.agency_id != chair_agency
        and (
            found := [
                u
                for u in demo_session.scalars(select(User).where(User.agency_id == i.agency_id))
                if u.active and Role.MANAGER in u.roles and u.id not in expected
            ]
        )
    )
    leavers = [a.user for a in conference.attendees if a.user.agency_id == invited.id]
    assert leavers
    assert managers
    for user in leavers:
        user.active = False
    demo_session.commit()
    try:
        told = _told(demo_session, _moved_or_cancelled(demo_session, sitting, act), sitting)
    finally:
        for user in leavers:
            user.active = True
        demo_session.commit()
    assert {u.id for u in managers} <= told
    assert not {u.id for u in leavers} & told


def test_a_sitting_notice_points_at_its_sitting_and_its_delivery_names_it(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    _moved_or_cancelled(demo_session, sitting, "cancel")
    demo_session.expire_all()
    told = demo_session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.SITTING_CANCELLED)
    ).all()
    assert told
    ours = [n for n in told if n.sitting_id == sitting.id]
    assert ours
    for notice in ours:
        assert notice.reference is None
        assert notice.path == f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
        assert topic(notice) == ("sitting", str(sitting.id))
    # Nothing about a case is dropped or given up by the sitting's notices: a case's
    # notices are found by its reference, which a sitting's notice never holds.
    assert not [n for n in told if n.reference == conference.case.reference]


PLACE = "Larkmoor community centre, room 2"


def test_the_chair_moves_a_sitting_to_another_place_and_its_conferences_go_with_it(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    was, shares_until = (
        sitting.starts_at,
        {i.share_id: i.share.until for i in conference.invitations},
    )
    due = {r.id: r.due_on for r in conference.requests}
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    form = chair.get(path).get_data(as_text=True)
    # The form holds the sitting's time and place as they are, to change.
    local = was.astimezone(UK)
    assert f'value="{local.year}"' in form
    assert f'value="{local.hour}"' in form
    if sitting.place:
        assert f'value="{sitting.place}"' in form
    response = chair.post(
        path, data={**_form(chair, path), **_when(was), "place": PLACE, "video_link": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = chair.get(response.location).get_data(as_text=True)
    assert "Sitting moved" in page
    assert PLACE in page

    demo_session.expire_all()
    moved = demo_session.get(MeetingSitting, sitting.id)
    assert (moved.starts_at, moved.place, moved.video_link) == (was, PLACE, None)
    conference = demo_session.get(Conference, conference.id)
    assert (conference.starts_at, conference.place, conference.video_link) == (was, PLACE, None)
    # The same time: the shares and the requests stay as they were.
    assert {i.share_id: i.share.until for i in conference.invitations} == shares_until
    assert {r.id: r.due_on for r in conference.requests} == due
    # Told, by a notice saying where it now meets; audited naming what changed, not where.
    told = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.SITTING_MOVED, Notice.sitting_id == sitting.id
        )
    ).all()
    assert conference.convened_by_id in {n.user_id for n in told}
    settings = demo_hub.config["HUB_SETTINGS"]
    text = compose(told[0], settings.mail, settings.service_name).get_content()
    assert f"it now sits on {uk_datetime(was)}, at {PLACE}." in text
    entries = _entries(demo_session, "meeting.move")
    on_sitting = next(e for e in reversed(entries) if e.object_id == str(sitting.id))
    assert on_sitting.basis.startswith("moved (place)")
    on_case = next(e for e in reversed(entries) if e.object_id == str(conference.case_id))
    assert on_case.basis == f"conference {conference.id} moved (place) with sitting {sitting.id}"
    assert all("Larkmoor" not in e.basis for e in entries)


def test_a_sitting_moved_to_another_time_and_to_video_only(demo_hub, demo_session) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    new = _a_free_time(sitting)
    link = "https://meet.example.org/asb-group"
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    response = chair.post(
        path, data={**_form(chair, path), **_when(new), "place": "", "video_link": link}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    conference = demo_session.get(Conference, conference.id)
    assert (conference.starts_at, conference.place, conference.video_link) == (new, None, link)
    assert all(i.share.until == conference.shares_end for i in conference.invitations)
    entry = [e for e in _entries(demo_session, "meeting.move") if e.object_id == str(sitting.id)]
    assert entry[-1].basis.startswith("moved (time, place, video_link)")
    notice = demo_session.scalars(
        select(Notice)
        .where(Notice.kind == NoticeKind.SITTING_MOVED, Notice.sitting_id == sitting.id)
        .order_by(Notice.id.desc())
    ).first()
    settings = demo_hub.config["HUB_SETTINGS"]
    assert (
        f"now sits on {uk_datetime(new)}, by video."
        in compose(notice, settings.mail, settings.service_name).get_content()
    )


def test_a_move_to_nowhere_or_to_where_it_already_is_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    sitting, conference = _sitting_with_a_case(demo_session)
    was = (sitting.starts_at, sitting.place, sitting.video_link)
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    before = len(_entries(demo_session, "meeting.move"))
    for given, field, message in (
        ({"place": "", "video_link": ""}, "place", "Enter where it meets, or a video link"),
        ({"video_link": "http://meet.example.org/x"}, "video_link", "starting https://"),
        ({}, "starts_at", "The sitting is already then and there"),
        ({"place": "x" * 201}, "place", "200 characters or fewer"),
    ):
        data = {**_form(chair, path), **_when(sitting.starts_at), **given}
        response = chair.post(path, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in page, message
        assert f'href="#{field}' in page, field
    demo_session.expire_all()
    moved = demo_session.get(MeetingSitting, sitting.id)
    assert (moved.starts_at, moved.place, moved.video_link) == was
    assert demo_session.get(Conference, conference.id).place == was[1]
    refusals = _entries(demo_session, "meeting.move")[before:]
    assert [e.outcome for e in refusals] == ["refused"] * 4
    assert [e.basis.rsplit(": ", 1)[-1] for e in refusals] == [
        "place",
        "video_link",
        "starts_at",
        "place",
    ]


def test_a_move_notice_still_waiting_gives_way_to_the_next_move(demo_hub, demo_session) -> None:
    sitting, _ = _sitting_with_a_case(demo_session)
    group = sitting.series
    chair = Actor.of(group.chair)

    def waiting() -> list[Notice]:
        demo_session.expire_all()
        return list(
            demo_session.scalars(
                select(Notice).where(
                    Notice.sitting_id == sitting.id,
                    Notice.kind == NoticeKind.SITTING_MOVED,
                    Notice.sent_at.is_(None),
                )
            )
        )

    sittings.move(demo_session, chair, group.id, sitting.id, sitting.starts_at, place=PLACE)
    demo_session.commit()
    first = waiting()
    assert first
    people = {n.user_id for n in first}
    new = _a_free_time(sitting)
    sittings.move(demo_session, chair, group.id, sitting.id, new)
    demo_session.commit()
    # One notice each, of the move as it now stands: where (read as it is sent) and when.
    now = waiting()
    assert sorted(n.user_id for n in now) == sorted(people)
    assert {n.about for n in now} == {new}


def test_a_sitting_in_the_hour_the_clocks_show_twice_keeps_its_time_as_its_place_moves(
    demo_hub, demo_session
) -> None:
    """1:30am on the last Sunday in October comes twice, in summer time then in winter
    time; the form shows either as 1:30, and 1:30 typed is the first. A sitting at the
    second whose place alone changes stays at the second, not an hour earlier."""
    group = sitting_group(demo_session)
    second = _last_sunday_of_october_after(clock.now())
    assert second.astimezone(UK).hour == 1
    assert second.astimezone(UK).fold == 1
    sitting = series.schedule(demo_session, Actor.of(group.chair), group.id, second)
    demo_session.commit()
    chair = _chair(demo_hub, demo_session)
    path = _path(sitting, "move")
    response = chair.post(path, data={**_form(chair, path), **_when(second), "place": PLACE})
    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    moved = demo_session.get(MeetingSitting, sitting.id)
    assert (moved.starts_at, moved.place) == (second, PLACE)


def _last_sunday_of_october_after(now: datetime) -> datetime:
    """1:30am GMT on the next last Sunday in October: the second 1:30 the clocks show."""
    for year in (now.year, now.year + 1):
        day = max(d for d in range(25, 32) if date(year, 10, d).weekday() == 6)
        second = datetime(year, 10, day, 1, 30, tzinfo=UTC)
        if second > now + timedelta(days=1):
            return second
    raise AssertionError("no October within two years")
