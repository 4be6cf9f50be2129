"""Apologies for a partnership meeting's sitting itself (demo partnership): its
coordinator records on the sitting's page that an agency of the meeting's members, or
someone of it by name, sends apologies, and removes them; someone of a member agency does
so for their own agency only; the agenda, on the page and as a PDF, lists them beside the
apologies recorded at its cases. Each act is one audit entry naming ids, never the name
typed; bad input is refused at its field and recorded; anyone else is refused (403) and
recorded; a page opened before the apologies changed, or a sitting held, changes
nothing."""

from __future__ import annotations

import html
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Agency, AuditEntry, MeetingSeries, MeetingSitting, SittingApology
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_changing_meetings import _as_it_is, _change
from tests.hub.test_sitting_agenda import GROUP, _items

NAME = "Deputy Sergeant Okafor"


def _group(session: Session) -> MeetingSeries:
    session.expire_all()
    return session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))


def _to_come(session: Session) -> tuple[MeetingSeries, MeetingSitting]:
    group = _group(session)
    return group, next(s for s in group.sittings if s.starts_at > clock.now())


def _held(session: Session) -> tuple[MeetingSeries, MeetingSitting]:
    group = _group(session)
    return group, next(
        s for s in group.sittings if s.starts_at < clock.now() and s.cancelled_at is None
    )


def _page(group: MeetingSeries, sitting: MeetingSitting) -> str:
    return f"/meetings/{group.id}/sittings/{sitting.id}"


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _stamp(page: str) -> str:
    return re.search(r'name="opened" value="([0-9a-f]+)"', page).group(1)


def _send(client: FlaskClient, group, sitting, agency: object, name: str = "", stamp=None):
    path = _page(group, sitting)
    page = client.get(path).get_data(as_text=True)
    return client.post(
        f"{path}/apologies",
        data={
            "csrf_token": csrf_token(client, path),
            "agency_id": str(agency),
            "name": name,
            "opened": _stamp(page) if stamp is None else stamp,
        },
    )


def _remove(client: FlaskClient, group, sitting, apology_id: int, stamp=None):
    path = _page(group, sitting)
    page = client.get(path).get_data(as_text=True)
    return client.post(
        f"{path}/apologies/{apology_id}/remove",
        data={"csrf_token": csrf_token(client, path), "opened": stamp or _stamp(page)},
    )


def _kept(session: Session, sitting: MeetingSitting) -> list[tuple[int, str | None]]:
    session.expire_all()
    return [
        (a.agency_id, a.name)
        for a in session.scalars(
            select(SittingApology)
            .where(SittingApology.sitting_id == sitting.id)
            .order_by(SittingApology.id)
        )
    ]


def _last(session: Session) -> AuditEntry:
    session.expire_all()
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "meeting.agenda_change")
        .order_by(AuditEntry.seq.desc())
    ).first()


def _coordinator(demo_hub: Flask, session: Session) -> FlaskClient:
    return demo_client(demo_hub, demo_user(session, "northshire-csp", Role.MANAGER))


def test_the_coordinator_records_apologies_and_the_agenda_lists_them(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    coordinator = _coordinator(demo_hub, demo_session)
    police, eh = _agency(demo_session, "northshire-police"), _agency(demo_session, "northshire-eh")
    form = html.unescape(coordinator.get(_page(group, sitting)).get_data(as_text=True))
    assert "Apologies for this sitting" in form
    # The demo's organiser recorded two already: the sergeant by name, and environmental
    # health.
    demo = _kept(demo_session, sitting)
    assert [agency for agency, _ in demo] == [police.id, eh.id]
    assert f"{demo[0][1]}, {police.name}" in form
    assert f'<option value="{police.id}">{police.name}</option>' in form

    done = _send(coordinator, group, sitting, police.id, NAME)
    assert done.status_code == 302, done.get_data(as_text=True)
    entry = _last(demo_session)
    assert (entry.outcome, entry.object_id) == ("allowed", str(sitting.id))
    assert re.fullmatch(rf"apologies \d+ added, agency {police.id}; named", entry.basis)
    assert NAME not in entry.basis
    assert _kept(demo_session, sitting) == [*demo, (police.id, NAME)]

    page = html.unescape(coordinator.get(_page(group, sitting)).get_data(as_text=True))
    assert f"{NAME}, {police.name}" in page
    agenda = f"{_page(group, sitting)}/agenda"
    first = _items(coordinator.get(agenda).get_data(as_text=True))[0]
    assert f"Apologies: {demo[0][1]}, {police.name}; {eh.name}; {NAME}, {police.name}" in first
    pdf = coordinator.get(f"{agenda}.pdf")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert f"{NAME}, {police.name}" in text
    # A reader of the area who records none reads them on the agenda too.
    larkmoor = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    assert f"{NAME}, {police.name}" in html.unescape(larkmoor.get(agenda).get_data(as_text=True))

    removed_id = demo_session.scalars(
        select(SittingApology.id).where(
            SittingApology.sitting_id == sitting.id, SittingApology.name == NAME
        )
    ).one()
    assert _remove(coordinator, group, sitting, removed_id).status_code == 302
    assert _kept(demo_session, sitting) == demo
    assert _last(demo_session).basis == f"apologies {removed_id} removed, agency {police.id}"
    assert NAME not in coordinator.get(agenda).get_data(as_text=True)


def test_someone_of_a_member_agency_records_their_own_agencys_only(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    police, eh = _agency(demo_session, "northshire-police"), _agency(demo_session, "northshire-eh")
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    form = html.unescape(officer.get(_page(group, sitting)).get_data(as_text=True))
    # Their own agency, the only one offered, comes chosen.
    assert f'<option value="{police.id}" selected>{police.name}</option>' in form
    assert f'<option value="{eh.id}">' not in form
    was = _kept(demo_session, sitting)
    # The agenda they read leads to where they send them.
    agenda = officer.get(f"{_page(group, sitting)}/agenda").get_data(as_text=True)
    assert f'href="{_page(group, sitting)}#apologies"' in agenda

    refused = _send(officer, group, sitting, eh.id)
    assert refused.status_code == 400
    assert "You may record apologies for your own agency only" in html.unescape(
        refused.get_data(as_text=True)
    )
    assert _kept(demo_session, sitting) == was
    entry = _last(demo_session)
    assert (entry.outcome, entry.basis) == ("refused", "refused input: agency_id")

    assert _send(officer, group, sitting, police.id).status_code == 302
    mine = _kept(demo_session, sitting)[-1]
    assert mine == (police.id, None)
    # Another agency's, recorded by the coordinator, is not theirs to remove.
    coordinator = _coordinator(demo_hub, demo_session)
    assert _send(coordinator, group, sitting, eh.id, "Noise Lead").status_code == 302
    ids = demo_session.scalars(
        select(SittingApology.id)
        .where(SittingApology.sitting_id == sitting.id)
        .order_by(SittingApology.id)
    ).all()
    page = officer.get(_page(group, sitting)).get_data(as_text=True)
    assert f"/apologies/{ids[-2]}/remove" in page
    assert f"/apologies/{ids[-1]}/remove" not in page
    assert _remove(officer, group, sitting, ids[-1]).status_code == 403
    assert _last(demo_session).outcome == "refused"
    assert _remove(officer, group, sitting, ids[-2]).status_code == 302
    assert len(_kept(demo_session, sitting)) == len(ids) - 1


def test_moving_the_sitting_says_its_apologies_stay(demo_hub: Flask, demo_session: Session) -> None:
    group, sitting = _to_come(demo_session)
    coordinator = _coordinator(demo_hub, demo_session)
    sent = len(_kept(demo_session, sitting))
    assert sent

    page = html.unescape(coordinator.get(f"{_page(group, sitting)}/move").get_data(as_text=True))

    said = page.split('id="apologies-stay">', 1)[1].split("</p>", 1)[0]
    assert said.startswith(
        f"The {'apologies' if sent == 1 else f'{sent} apologies'} sent for the sitting stay with it"
    )
    assert f'href="{_page(group, sitting)}#apologies"' in said


def test_anyone_else_of_the_area_is_refused(demo_hub: Flask, demo_session: Session) -> None:
    group, sitting = _to_come(demo_session)
    larkmoor = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    page = larkmoor.get(_page(group, sitting)).get_data(as_text=True)
    assert "Apologies for this sitting" in page
    assert "Record apologies" not in page
    agenda = larkmoor.get(f"{_page(group, sitting)}/agenda").get_data(as_text=True)
    assert "#apologies" not in agenda
    was = _kept(demo_session, sitting)
    own = _agency(demo_session, "larkmoor-ha")
    path = _page(group, sitting)
    refused = larkmoor.post(
        f"{path}/apologies",
        data={"csrf_token": csrf_token(larkmoor, path), "agency_id": str(own.id), "name": ""},
    )
    assert refused.status_code == 403
    assert _kept(demo_session, sitting) == was
    entry = _last(demo_session)
    assert (entry.outcome, entry.object_id) == ("refused", str(sitting.id))


def test_bad_input_is_refused_at_its_field(demo_hub: Flask, demo_session: Session) -> None:
    group, sitting = _to_come(demo_session)
    coordinator = _coordinator(demo_hub, demo_session)
    police = _agency(demo_session, "northshire-police")
    larkmoor = _agency(demo_session, "larkmoor-ha")
    assert _send(coordinator, group, sitting, police.id, "Duplicate Person").status_code == 302
    was = _kept(demo_session, sitting)
    for agency, name, said, field in (
        ("", "", "Select the agency sending apologies", "agency_id"),
        (larkmoor.id, "", f"{larkmoor.name} is not an agency of {GROUP}'s members", "agency_id"),
        (police.id, "x" * 101, "The name must be 100 characters or fewer", "name"),
        (police.id, "Bad\x07name", "must not contain control characters", "name"),
        (police.id, "duplicate person", "already sends apologies for this sitting", "name"),
    ):
        refused = _send(coordinator, group, sitting, agency, name)
        assert refused.status_code == 400, (agency, name)
        shown = html.unescape(refused.get_data(as_text=True))
        assert said in shown, re.findall(r'<a href="#[a-z_]+">(.*?)</a>', shown, re.S)
        assert f'href="#{field}"' in shown
        entry = _last(demo_session)
        assert (entry.outcome, entry.basis) == ("refused", f"refused input: {field}")
    assert _kept(demo_session, sitting) == was


def test_a_page_opened_before_the_apologies_changed_changes_nothing(
    demo_hub: Flask, demo_session: Session
) -> None:
    group, sitting = _to_come(demo_session)
    coordinator = _coordinator(demo_hub, demo_session)
    police, eh = _agency(demo_session, "northshire-police"), _agency(demo_session, "northshire-eh")
    stale = _stamp(coordinator.get(_page(group, sitting)).get_data(as_text=True))
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert _send(officer, group, sitting, police.id, "Someone Else").status_code == 302
    was = _kept(demo_session, sitting)

    late = _send(coordinator, group, sitting, eh.id, "Noise Officer On Call", stamp=stale)

    # Nothing recorded; the form comes back as typed, saying why, with the apologies as
    # they are now, and sent again from it, it is recorded.
    assert late.status_code == 400
    page = html.unescape(late.get_data(as_text=True))
    assert "changed after you opened the page" in page
    assert 'href="#agency_id"' in page
    assert f'<option value="{eh.id}" selected>' in page
    assert 'value="Noise Officer On Call"' in page
    assert f"Someone Else, {police.name}" in page
    assert _kept(demo_session, sitting) == was
    again = coordinator.post(
        f"{_page(group, sitting)}/apologies",
        data={
            "csrf_token": csrf_token(coordinator, _page(group, sitting)),
            "agency_id": str(eh.id),
            "name": "Noise Officer On Call",
            "opened": _stamp(page),
        },
    )
    assert again.status_code == 302
    assert _kept(demo_session, sitting) == [*was, (eh.id, "Noise Officer On Call")]


def test_a_sitting_held_no_longer_takes_apologies(demo_hub: Flask, demo_session: Session) -> None:
    group, sitting = _held(demo_session)
    coordinator = _coordinator(demo_hub, demo_session)
    page = coordinator.get(_page(group, sitting)).get_data(as_text=True)
    assert "Record apologies" not in page
    assert "its apologies no longer change" in page
    agenda = coordinator.get(f"{_page(group, sitting)}/agenda").get_data(as_text=True)
    assert "#apologies" not in agenda
    police = _agency(demo_session, "northshire-police")

    refused = _send(coordinator, group, sitting, police.id, stamp="")

    assert refused.status_code == 302
    said = html.unescape(coordinator.get(refused.location).get_data(as_text=True))
    assert "The sitting has taken place: its apologies no longer change" in said
    assert _kept(demo_session, sitting) == []
    assert _last(demo_session).outcome == "refused"


def test_the_coordinator_removes_apologies_of_an_agency_no_longer_a_member(
    demo_hub: Flask, demo_session: Session
) -> None:
    # Environmental health sent apologies (the demo's), then its noise officer left the
    # meeting's members: the coordinator may still take its apologies off the sitting.
    group, sitting = _to_come(demo_session)
    eh = _agency(demo_session, "northshire-eh")
    coordinator = _coordinator(demo_hub, demo_session)
    if not any(agency == eh.id and name is None for agency, name in _kept(demo_session, sitting)):
        assert _send(coordinator, group, sitting, eh.id).status_code == 302
    members = _as_it_is(demo_session, group)["members"]
    leaver = next(m.user_id for m in group.members if m.user.agency_id == eh.id)
    staying = [m for m in members if m != str(leaver)]
    try:
        assert _change(coordinator, demo_session, members=staying).status_code == 302
        group, sitting = _to_come(demo_session)
        apology_id = demo_session.scalars(
            select(SittingApology.id).where(
                SittingApology.sitting_id == sitting.id,
                SittingApology.agency_id == eh.id,
                SittingApology.name.is_(None),
            )
        ).one()
        page = coordinator.get(_page(group, sitting)).get_data(as_text=True)
        assert f"/apologies/{apology_id}/remove" in page

        assert _remove(coordinator, group, sitting, apology_id).status_code == 302

        assert (eh.id, None) not in _kept(demo_session, sitting)
        assert _last(demo_session).basis == f"apologies {apology_id} removed, agency {eh.id}"
    finally:
        _change(coordinator, demo_session, members=members)
