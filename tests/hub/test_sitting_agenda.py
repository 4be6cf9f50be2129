"""A sitting's agenda (demo partnership): apologies and attendance, the previous sitting's
actions and their progress, each case by reference and question, the figures pack when
attached, the coordinator's own items and any other business, in the order the
coordinator sets; on the page and as a PDF, each reading audited by ids; an agency that
may not open a case sees only its place; bad input refused at the field; someone who may
not arrange it refused and recorded; a page opened before another change refused."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.demo.meetings import AGENDA_ITEMS
from sharing.meetings import agenda, series
from sharing.models import AgendaItem, AuditEntry, AuditQueued, MeetingSeries, MeetingSitting, User
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

GROUP = "Northshire ASB problem-solving group"


def _to_come(session: Session) -> tuple[MeetingSeries, MeetingSitting]:
    group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    return group, next(s for s in group.sittings if s.starts_at > clock.now())


def _path(group: MeetingSeries, sitting: MeetingSitting) -> str:
    return f"/meetings/{group.id}/sittings/{sitting.id}/agenda"


def _entries(session: Session, request_id: str) -> list[AuditEntry | AuditQueued]:
    session.expire_all()
    logged = session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))
    queued = session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id))
    return [*logged, *queued]


def _items(page: str) -> list[str]:
    """The agenda's items, as text, in order."""
    listed = page.split('<ol class="govuk-list govuk-list--number hub-agenda">', 1)[1]
    listed = listed.split("</ol>", 1)[0]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
        for item in re.split(r'<li id="item-', listed)[1:]
    ]


def _stamp(page: str) -> str:
    return re.search(r'name="opened" value="([0-9a-f]+)"', page).group(1)


def _add(client: FlaskClient, path: str, text: str, stamp: str | None = None):
    page = client.get(path).get_data(as_text=True)
    return client.post(
        f"{path}/items",
        data={
            "csrf_token": csrf_token(client, path),
            "text": text,
            "opened": stamp or _stamp(page),
        },
    )


def test_the_chair_reads_the_agenda_in_order_and_each_reading_is_audited_by_ids(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    response = chair.get(_path(group, sitting))
    assert response.status_code == 200
    items = _items(response.get_data(as_text=True))
    assert items[0].startswith("apologies")
    assert "Apologies and attendance" in items[0]
    assert "Actions from the previous sitting" in items[1]
    assert "Done" in items[1]  # the noise monitoring agreed last time
    cases = [c for c in sitting.conferences]
    brought = items[2 : 2 + len(cases)]
    assert [i.split('"', 1)[0] for i in brought] == [f"case-{c.id}" for c in cases]
    for item, conference in zip(brought, cases, strict=True):
        assert f"Case {conference.case.reference}" in item
    page = response.get_data(as_text=True)
    for conference in cases:  # each case links to its conference page, which opens
        link = f'href="/conferences/{conference.id}">{conference.case.reference}</a>'
        assert link in page
        assert chair.get(f"/conferences/{conference.id}").status_code == 200
    # The demo's organiser attached the figures and added two items of their own.
    assert "The partnership's figures" in items[2 + len(cases)]
    for item, text in zip(items[3 + len(cases) : -1], AGENDA_ITEMS, strict=True):
        assert text in item
    assert "Any other business" in items[-1]
    [entry] = [
        e
        for e in _entries(demo_session, response.headers["X-Request-Id"])
        if e.action == "meeting.agenda"
    ]
    assert entry.object_id == str(sitting.id)
    assert entry.basis.startswith("page; conferences ")
    people = {u.display_name.lower() for u in demo_session.scalars(select(User))}
    assert not any(p in (entry.basis or "").lower() for p in people)

    pdf = chair.get(f"{_path(group, sitting)}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    kinds = [
        e.basis.split(";", 1)[0]
        for e in _entries(demo_session, pdf.headers["X-Request-Id"])
        if e.action == "meeting.agenda"
    ]
    assert kinds == ["pdf"]


def test_an_agency_that_may_not_open_a_case_sees_only_its_place(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    officer = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    page = officer.get(_path(group, sitting)).get_data(as_text=True)
    homes = [c for c in sitting.conferences if c.case.agency.code == "northshire-homes"]
    assert homes
    for conference in homes:
        assert conference.case.reference not in page
        assert f'href="/conferences/{conference.id}"' not in page  # no way to it either
    # The officer of Larkmoor's case on the agenda: it links to its conference page, the
    # Northshire Homes case they may not open to nothing.
    [theirs] = [c for c in sitting.conferences if c.case.agency.code == "larkmoor-ha"]
    own = demo_client(demo_hub, theirs.case.officer)
    page = own.get(_path(group, sitting)).get_data(as_text=True)
    assert f'href="/conferences/{theirs.id}">{theirs.case.reference}</a>' in page
    assert own.get(f"/conferences/{theirs.id}").status_code == 200
    for conference in homes:
        assert f'href="/conferences/{conference.id}"' not in page
        assert own.get(f"/conferences/{conference.id}").status_code == 404
    assert "A case not open to your agency" in page
    assert "Add the item" not in page  # not theirs to arrange
    assert officer.get(f"/meetings/{group.id}/sittings/999999/agenda").status_code == 404


def test_the_chair_adds_an_item_moves_it_and_attaches_the_figures(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, sitting)
    assert _add(chair, path, "Date of the next partnership away day").status_code == 302
    items = _items(chair.get(path).get_data(as_text=True))
    assert "Date of the next partnership away day" in items[-2]
    assert "Any other business" in items[-1]
    row = demo_session.scalar(
        select(AgendaItem).where(
            AgendaItem.sitting_id == sitting.id,
            AgendaItem.text == "Date of the next partnership away day",
        )
    )
    page = chair.get(path).get_data(as_text=True)
    moved = chair.post(
        f"{path}/order",
        data={
            "csrf_token": csrf_token(chair, path),
            "opened": _stamp(page),
            "key": f"text-{row.id}",
            "direction": "up",
        },
    )
    assert moved.status_code == 302
    items = _items(chair.get(path).get_data(as_text=True))
    assert "Date of the next partnership away day" in items[-3]
    page = chair.get(path).get_data(as_text=True)
    attached = chair.post(
        f"{path}/figures",
        data={"csrf_token": csrf_token(chair, path), "opened": _stamp(page), "attached": "1"},
    )
    assert attached.status_code == 302
    items = _items(chair.get(path).get_data(as_text=True))
    figures = next(i for i, item in enumerate(items) if "The partnership's figures" in item)
    assert figures < len(items) - 1
    changes = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "meeting.agenda_change")
    ).all()
    assert "away day" not in " ".join(e.basis or "" for e in changes)


def test_an_item_empty_or_too_long_is_refused_at_its_field_and_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, sitting)
    before = len(sitting.agenda_items)
    for text, said in (
        ("   ", "Enter the item to add"),
        ("x" * 201, "200 characters or fewer"),
        # Named as the box is labelled, where it read "Add an item must not contain …".
        ("Hotspot\x07 review", "Item to add must not contain control characters"),
    ):
        response = _add(chair, path, text)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert said in page
        assert 'href="#text"' in page  # the error summary links to the field
        refused = _entries(demo_session, response.headers["X-Request-Id"])
        assert ("meeting.agenda_change", "refused") in [(e.action, e.outcome) for e in refused]
    demo_session.expire_all()
    assert len(demo_session.get(MeetingSitting, sitting.id).agenda_items) == before


def test_a_member_who_does_not_coordinate_it_may_read_but_not_arrange_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    path = _path(group, sitting)
    assert sergeant.get(path).status_code == 200
    response = sergeant.post(
        f"{path}/items",
        data={"csrf_token": csrf_token(sergeant, path), "text": "Police item"},
    )
    assert response.status_code == 403
    entries = _entries(demo_session, response.headers["X-Request-Id"])
    assert [(e.action, e.outcome, e.object_id) for e in entries] == [
        ("meeting.agenda_change", "refused", str(sitting.id))
    ]


def test_a_page_opened_before_another_change_is_refused_and_nothing_added(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, sitting)
    stale = _stamp(chair.get(path).get_data(as_text=True))
    assert _add(chair, path, "First item").status_code == 302
    response = _add(chair, path, "Second item", stamp=stale)
    assert response.status_code == 400
    assert "The agenda changed after you opened it" in response.get_data(as_text=True)
    assert "Second item" not in " ".join(_items(chair.get(path).get_data(as_text=True)))


def _move(client: FlaskClient, path: str, key: str, direction: str):
    page = client.get(path).get_data(as_text=True)
    return client.post(
        f"{path}/order",
        data={
            "csrf_token": csrf_token(client, path),
            "opened": _stamp(page),
            "key": key,
            "direction": direction,
        },
    )


def test_the_first_item_cannot_go_up_nor_the_last_down(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, sitting)
    items = _items(chair.get(path).get_data(as_text=True))
    assert "Move up item 1" not in items[0]
    assert "Move down item 1" in items[0]
    assert f"Move up item {len(items)}" in items[-1]
    assert f"Move down item {len(items)}" not in items[-1]

    for key, direction, said in (
        ("apologies", "up", "That item is already first on the agenda"),
        ("business", "down", "That item is already last on the agenda"),
    ):
        response = _move(chair, path, key, direction)
        assert response.status_code == 302
        entries = _entries(demo_session, response.headers["X-Request-Id"])
        assert [(e.action, e.outcome) for e in entries] == [("meeting.agenda_change", "refused")]
        page = chair.get(path).get_data(as_text=True)
        assert said in page
        assert "Agenda reordered" not in page
        assert _items(page) == items


def test_a_sitting_held_keeps_its_agenda_as_it_was(demo_hub: Flask, demo_session: Session) -> None:
    group = demo_session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    held = next(s for s in group.sittings if s.starts_at < clock.now())
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, held)
    page = chair.get(path).get_data(as_text=True)
    assert "The sitting has taken place: its agenda no longer changes." in page
    assert "Add the item" not in page
    assert "Move down" not in page
    before = _items(page)

    response = _add(chair, path, "Added after the meeting", stamp=agenda.stamp(demo_session, held))
    assert response.status_code == 400
    assert "The sitting has taken place: its agenda no longer changes" in response.get_data(
        as_text=True
    )
    entries = _entries(demo_session, response.headers["X-Request-Id"])
    changes = [e.outcome for e in entries if e.action == "meeting.agenda_change"]
    assert changes == ["refused"]
    assert _items(chair.get(path).get_data(as_text=True)) == before


def _attach_figures(client: FlaskClient, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    attached = client.post(
        f"{path}/figures",
        data={"csrf_token": csrf_token(client, path), "opened": _stamp(page), "attached": "1"},
    )
    assert attached.status_code == 302


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _sitting_in(session: Session, group: MeetingSeries, month: date, day: int) -> MeetingSitting:
    """A further sitting of the group on ``day`` of ``month`` at 10am."""
    starts = clock.uk_moment(month.replace(day=day), 10, 0)
    chair = Actor.of(session.get_one(User, group.chair_id))
    later = series.schedule(session, chair, group.id, starts)
    session.commit()
    return later


def test_a_figures_pack_whose_months_have_not_ended_is_named_with_its_day_not_linked(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A sitting next month: its pack covers this month, which has not ended, so the
    agenda says which month it covers and from which day it can be prepared (the day the
    pack's own page gives), where it linked to that refusal; its PDF says the same."""
    group, _ = _to_come(demo_session)
    sits_in = _month_after(clock.today())
    later = _sitting_in(demo_session, group, sits_in, 20)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, later)
    _attach_figures(chair, path)
    page = chair.get(path).get_data(as_text=True)
    figures = next(i for i in _items(page) if "The partnership's figures" in i)
    assert f"covering {clock.today():%B %Y}, ready from 1 {sits_in:%B %Y}" in figures
    assert f"/figures/pack?meeting={later.id}" not in page
    refused = chair.get(f"/figures/pack?meeting={later.id}").get_data(as_text=True)
    assert f"prepared from 1 {sits_in:%B %Y}" in refused
    pdf = chair.get(f"{path}.pdf")
    assert pdf.status_code == 200


def test_once_its_months_have_ended_the_figures_item_names_them_and_links_to_the_pack(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, _ = _to_come(demo_session)
    this_month = clock.today().replace(day=1)
    sits_in = _month_after(this_month)
    later = _sitting_in(demo_session, group, sits_in, 24)
    chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
    path = _path(group, later)
    _attach_figures(chair, path)
    with clock.pinned(clock.uk_moment(sits_in.replace(day=2), 9, 0)):
        chair = demo_client(demo_hub, demo_session.get(User, group.chair_id))
        page = chair.get(path).get_data(as_text=True)
        figures = next(i for i in _items(page) if "The partnership's figures" in i)
        assert f"covering {this_month:%B %Y}" in figures
        assert "ready from" not in figures
        assert f'href="/figures/pack?meeting={later.id}"' in page
        assert chair.get(f"/figures/pack?meeting={later.id}").status_code == 200
