"""A sitting held or cancelled keeps who chaired it and who were its members (demo
partnership): once the meeting's chair and members change, a past sitting with no cases
on its agenda still names them, on its page and on its agenda (page and PDF), while a
sitting to come names the meeting's new chair and members."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import series, sitting_clashes
from sharing.models import MeetingSitting, User
from sharing.vocabulary import Role
from tests.fixtures.demo import clashes, demo_client, demo_user
from tests.hub.test_changing_meetings import _change, _group
from tests.hub.test_moving_sittings import _form


def _schedule(session: Session, hours: int) -> MeetingSitting:
    """An empty sitting the group's chair schedules ``hours`` from now or soon after, when
    neither the group nor its chair sits."""
    group = _group(session)
    taken = [s.starts_at for s in group.sittings]
    when = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
    while clashes(when, taken, sitting_clashes.SITTING_LENGTH * 2):
        when += timedelta(hours=3)
    sitting = series.schedule(session, Actor.of(group.chair), group.id, when)
    session.commit()
    return sitting


def _named(user: User) -> str:
    return f"{user.display_name}, {user.agency.name}"


def _chair_row(page: str) -> str:
    row = re.search(r">\s*Chair\s*</dt>\s*<dd[^>]*>\s*(.*?)\s*</dd>", page, re.S)
    assert row is not None
    return html.unescape(row[1])


def _members_listed(page: str, heading: str) -> list[str]:
    listed = page.split(f'id="members">{heading}</h2>', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", listed)]


def _agenda_pdf(client: FlaskClient, path: str) -> str:
    response = client.get(f"{path}/agenda.pdf")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _shows(
    client: FlaskClient,
    sitting: MeetingSitting,
    chair: User,
    members: list[User],
    heading: str = "Standing members",
):
    """The sitting's page, agenda and agenda PDF name ``chair`` and ``members``; its page
    heads them ``heading`` (a past sitting's were its members on the day, not standing)."""
    path = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    page = client.get(path).get_data(as_text=True)
    assert _chair_row(page) == _named(chair)
    assert _members_listed(page, heading) == [_named(m) for m in members]
    if heading != "Standing members":
        assert "Standing members" not in page
    agenda = html.unescape(client.get(f"{path}/agenda").get_data(as_text=True))
    assert f"Chair: {_named(chair)}." in agenda
    assert f"Members: {'; '.join(_named(m) for m in members)}." in agenda
    printed = _agenda_pdf(client, path)
    assert f"Chair: {_named(chair)}." in printed
    assert _named(chair) in printed.split("Members:", 1)[1]


def test_a_past_sitting_with_no_cases_names_its_chair_and_members_after_they_change(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = _group(demo_session)
    old_chair = group.chair
    old_members = [m.user for m in group.members]
    noise = demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    assert noise in old_members
    held = _schedule(demo_session, 3)
    cancelled = _schedule(demo_session, 8)
    coordinator = demo_client(demo_hub, old_chair)
    path = f"/meetings/{group.id}/sittings/{cancelled.id}/cancel"
    response = coordinator.post(
        path, data={**_form(coordinator, path), "reason": "nothing_to_discuss"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert not held.conferences

    # The empty sitting is held (its time passes); then the organiser gives the meeting
    # a new chair and drops environmental health's officer from its members.
    with clock.pinned(held.starts_at + timedelta(hours=3)):
        new_chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
        manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
        members = [m for m in old_members if m.id != noise.id and m.active]
        response = _change(
            manager,
            demo_session,
            chair=str(new_chair.id),
            members=[str(m.id) for m in {*members, new_chair}],
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        group = _group(demo_session)
        assert group.chair_id == new_chair.id
        assert noise.id not in {m.user_id for m in group.members}

        reader = demo_client(demo_hub, new_chair)
        _shows(reader, held, old_chair, old_members, "Members on the day")
        _shows(reader, cancelled, old_chair, old_members, "Members when it was cancelled")
        to_come = next(s for s in group.sittings if s.starts_at > clock.now() and not s.cancelled)
        _shows(reader, to_come, new_chair, [m.user for m in group.members])

        # The case conference held at the meeting's last sitting names who chaired it,
        # and no longer says its chair changes as the meeting's does; one to come does.
        last = next(s for s in group.sittings if s.starts_at < clock.now() and s.conferences)
        follows = f" (the chair of {group.name}: it changes only as the meeting’s chair changes)"
        for conference, chair, said in (
            (last.conferences[0], old_chair, ""),
            (to_come.conferences[0], new_chair, follows),
        ):
            page = reader.get(f"/conferences/{conference.id}").get_data(as_text=True)
            assert _chair_row(page) == _named(chair) + said


def test_a_past_sitting_keeps_its_chair_once_and_for_all(
    demo_hub: Flask, demo_session: Session
) -> None:
    # The meeting's chair changes twice after the sitting: the sitting still names the
    # chair it was held with, not the one between.
    group = _group(demo_session)
    first_chair = group.chair
    others = [
        u
        for u in (
            demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR),
            demo_user(demo_session, "northshire-csp", Role.MANAGER),
            demo_user(demo_session, "northshire-police", Role.MANAGER),
        )
        if u.id != first_chair.id
    ]
    held = _schedule(demo_session, 30)
    with clock.pinned(held.starts_at + timedelta(hours=3)):
        manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
        members = [str(m.user_id) for m in group.members if m.user.active]
        for chair in others[:2]:
            response = _change(
                manager, demo_session, chair=str(chair.id), members=[*members, str(chair.id)]
            )
            assert response.status_code == 302, response.get_data(as_text=True)
        page = manager.get(f"/meetings/{group.id}/sittings/{held.id}").get_data(as_text=True)
        assert _chair_row(page) == _named(first_chair)
