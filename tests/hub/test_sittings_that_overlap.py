"""Sittings that overlap, as the demo's users meet them: a sitting is taken to last two
hours, so a partnership meeting's sitting scheduled, moved or set up to start less than
that from another of the same meeting, or from a sitting of another meeting with the
same chair, is refused at its time, naming the day and time of the sitting it clashes
with, and the refusal recorded. Two hours apart, or beside a cancelled sitting, is free."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import UK
from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import series, sittings
from sharing.models import AuditEntry, MeetingSeries, MeetingSitting, ProtocolRecord, User
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

GROUP = "Northshire ASB problem-solving group"
TASKING = "Northshire CSP tasking meeting"


def _group(session: Session, name: str = GROUP) -> MeetingSeries:
    session.expire_all()
    return session.scalar(select(MeetingSeries).where(MeetingSeries.name == name))


def _refused(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.outcome == "refused")
            .order_by(AuditEntry.seq)
        )
    )


def _free_day(session: Session, days: int) -> datetime:
    """10am UK time ``days`` from now, on a day no sitting of any meeting is on."""
    day = clock.day_of(clock.now()) + timedelta(days=days)
    taken = {clock.day_of(s.starts_at) for s in session.scalars(select(MeetingSitting))}
    while day in taken:
        day += timedelta(days=1)
    moment = clock.uk_moment(day, 10, 0)
    assert moment is not None
    return moment


def _fields(prefix: str, moment: datetime) -> dict[str, str]:
    local = moment.astimezone(UK)
    return {
        f"{prefix}-day": str(local.day),
        f"{prefix}-month": str(local.month),
        f"{prefix}-year": str(local.year),
        f"{prefix}-hour": str(local.hour),
        f"{prefix}-minute": f"{local.minute:02d}",
    }


def _schedule(client: FlaskClient, group: MeetingSeries, moment: datetime):
    path = f"/meetings/{group.id}/sittings/new"
    data = {"csrf_token": csrf_token(client, path), "place": "", "video_link": ""}
    return client.post(path, data={**data, **_fields("starts_at", moment)})


def _chair(app: Flask, session: Session, group: MeetingSeries) -> FlaskClient:
    return demo_client(app, session.get(User, group.chair_id))


def test_a_sitting_starting_within_two_hours_of_another_of_the_meeting_is_refused_naming_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = _group(demo_session)
    chair = _chair(demo_hub, demo_session, group)
    first = _free_day(demo_session, 20)
    assert _schedule(chair, group, first).status_code == 302
    refused_before = len(_refused(demo_session, "meeting.schedule"))
    for moment in (first + timedelta(hours=1), first - timedelta(minutes=90)):
        answer = _schedule(chair, group, moment)
        assert answer.status_code == 400
        page = answer.get_data(as_text=True)
        assert f"The meeting already sits on {clock.moment_text(first)}" in page
        assert "a sitting is taken to last 2 hours" in page
        assert 'href="#starts_at' in page
    refused = _refused(demo_session, "meeting.schedule")[refused_before:]
    assert [e.basis for e in refused] == ["refused input: starts_at"] * 2
    # Two hours after it starts, it is over: the next may start then.
    assert _schedule(chair, group, first + timedelta(hours=2)).status_code == 302
    group = _group(demo_session)
    starts = sorted(s.starts_at for s in group.sittings)
    assert first in starts
    assert first + timedelta(hours=2) in starts
    assert first + timedelta(hours=1) not in starts


def test_a_sitting_moved_to_overlap_another_is_refused_naming_it_and_stays(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = _group(demo_session)
    chair_actor = Actor.of(group.chair)
    one = series.schedule(demo_session, chair_actor, group.id, _free_day(demo_session, 30))
    demo_session.commit()
    other = series.schedule(demo_session, chair_actor, group.id, _free_day(demo_session, 31))
    demo_session.commit()
    was = other.starts_at
    chair = _chair(demo_hub, demo_session, group)
    path = f"/meetings/{group.id}/sittings/{other.id}/move"
    page = chair.get(path).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(chair, path),
        "opened": page.split('name="opened" value="', 1)[1].split('"', 1)[0],
        "place": other.place or "",
        "video_link": other.video_link or "",
        **_fields("starts_at", one.starts_at + timedelta(minutes=30)),
    }
    answer = chair.post(path, data=data)
    assert answer.status_code == 400
    assert f"The meeting already sits on {clock.moment_text(one.starts_at)}" in answer.get_data(
        as_text=True
    )
    demo_session.expire_all()
    assert demo_session.get(MeetingSitting, other.id).starts_at == was
    assert _refused(demo_session, "meeting.move")[-1].basis.startswith("refused input: starts_at")
    # Moving a sitting an hour later overlaps only its own old time: that is free.
    sittings.move(demo_session, chair_actor, group.id, other.id, was + timedelta(hours=1))
    demo_session.commit()
    assert demo_session.get(MeetingSitting, other.id).starts_at == was + timedelta(hours=1)


def test_a_cancelled_sitting_leaves_its_time_free(demo_hub: Flask, demo_session: Session) -> None:
    group = _group(demo_session)
    chair_actor = Actor.of(group.chair)
    moment = _free_day(demo_session, 40)
    cancelled = series.schedule(demo_session, chair_actor, group.id, moment)
    demo_session.commit()
    sittings.cancel(demo_session, chair_actor, group.id, cancelled.id, "scheduled_in_error")
    demo_session.commit()
    chair = _chair(demo_hub, demo_session, group)
    assert _schedule(chair, group, moment + timedelta(minutes=30)).status_code == 302


def _tasking(session: Session, chair: User, first_at: datetime) -> series.SeriesInput:
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference", ProtocolRecord.status == "active"
        )
    )
    return series.SeriesInput(
        name=TASKING,
        cadence="fortnightly",
        protocol_id=protocol.id,
        purpose="case_conference",
        chair_id=chair.id,
        member_ids=[
            demo_user(session, "northshire-police", Role.MANAGER).id,
            demo_user(session, "wealdbrook-ht", Role.MANAGER).id,
        ],
        first_at=first_at,
        place="Civic Centre, committee room 1",
    )


def test_a_sitting_that_overlaps_one_its_chair_chairs_of_another_meeting_is_refused(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The problem-solving group's chair also chairs the CSP tasking meeting: neither may
    sit while the other does, whichever is set up, scheduled or moved second."""
    group = _group(demo_session)
    chair_user = group.chair
    manager = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    tasking_at = _free_day(demo_session, 50)
    tasking = series.set_up(
        demo_session, Actor.of(manager), _tasking(demo_session, chair_user, tasking_at)
    )
    demo_session.commit()

    chair = _chair(demo_hub, demo_session, group)
    answer = _schedule(chair, group, tasking_at + timedelta(minutes=45))
    assert answer.status_code == 400
    page = html.unescape(answer.get_data(as_text=True))
    assert (
        f"The meeting's chair already chairs {TASKING} on {clock.moment_text(tasking_at)}" in page
    )
    assert _refused(demo_session, "meeting.schedule")[-1].basis == "refused input: starts_at"

    # The other way: a meeting set up with its first sitting over one of the group's.
    group_at = _free_day(demo_session, 55)
    assert _schedule(chair, group, group_at).status_code == 302
    set_up = demo_client(demo_hub, manager)
    form = {
        "csrf_token": csrf_token(set_up, "/meetings/new"),
        "name": "Northshire night-time economy group",
        "cadence": "monthly",
        "protocol_purpose": f"{tasking.protocol_id}:case_conference",
        "chair": str(chair_user.id),
        "members": [str(m.user_id) for m in tasking.members],
        "place": "Civic Centre, committee room 2",
        **_fields("first_at", group_at - timedelta(hours=1)),
    }
    refused = set_up.post("/meetings/new", data=form)
    assert refused.status_code == 400
    assert f"already chairs {GROUP} on {clock.moment_text(group_at)}" in refused.get_data(
        as_text=True
    )
    assert 'href="#first_at' in refused.get_data(as_text=True)
    assert _group(demo_session, "Northshire night-time economy group") is None
    assert _refused(demo_session, "meeting.set_up")[-1].basis == "refused input: starts_at"

    # Another chair for the group's sitting's hour: free.
    other_chair = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    form = {**form, "chair": str(other_chair.id), "csrf_token": csrf_token(set_up, "/meetings/new")}
    assert set_up.post("/meetings/new", data=form).status_code == 302
