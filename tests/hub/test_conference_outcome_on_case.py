"""What a conference decided, where its case's officer reads the case: the case page's
list of its conferences says the minutes' state and the decisions, to whoever may read
the minutes (the convening agency and the chair a draft; every agency at the table once
circulated); and the pack each attendee reads or prints keeps who came and who agreed
the minutes, as the conference's page does."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from sharing.models import User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conference_meeting import _held, _legal_action, _pdf_pages, _post


def _conference_row(client: FlaskClient, case_id: int, conference_id: int) -> str:
    """The row of the conference in the case page's list of its conferences."""
    page = client.get(f"/cases/{case_id}?purpose=case_conference").get_data(as_text=True)
    section = page.partition('id="conferences"')[2].partition('id="reviews"')[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", section, re.S)
    return next(r for r in rows if f'/conferences/{conference_id}"' in r)


def test_the_case_page_says_what_its_conference_decided_once_its_minutes_may_be_read(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    case_id, base = conference.case_id, f"/conferences/{conference.id}"
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, pcso)
    marks = {f"attendance_{a.id}": "present" for a in conference.attendees}
    _post(officer, f"{base}/attendance", also_present=str(pcso.id), **marks)
    _post(officer, f"{base}/minutes/new", heading="1. Incidents", discussion="Discussed")
    assert _post(officer, f"{base}/decisions/new", **_legal_action(demo_session)).status_code == 302

    # A draft: its writers read on the case what it decided; the police not yet.
    drafted = _conference_row(officer, case_id, conference.id)
    assert "Minutes: draft" in drafted
    assert "Take legal action: Civil injunction" in drafted
    assert f'href="{base}#decisions"' in drafted
    invited = _conference_row(police, case_id, conference.id)
    assert "Civil injunction" not in invited
    assert "Minutes" not in invited

    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    circulated = _conference_row(police, case_id, conference.id)
    assert "Minutes: circulated for comment" in circulated
    assert "Take legal action: Civil injunction" in circulated

    chair = demo_client(demo_hub, demo_session.get(User, conference.chair_id))
    assert _post(chair, f"{base}/minutes/agree").status_code == 302
    agreed = _conference_row(officer, case_id, conference.id)
    assert "Minutes: agreed" in agreed
    assert "Take legal action: Civil injunction" in agreed


def test_the_pack_keeps_who_attended_and_who_agreed_the_minutes(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    adults = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    came = {f"attendance_{a.id}": "apologies" for a in conference.attendees}
    _post(officer, f"{base}/attendance", also_present=f"{pcso.id}", **came)
    _post(officer, f"{base}/minutes/new", heading="1. Incidents", discussion="Discussed")
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    chair = demo_session.get(User, conference.chair_id)
    assert _post(demo_client(demo_hub, chair), f"{base}/minutes/agree").status_code == 302

    reader = demo_client(demo_hub, adults)
    pack = " ".join(
        re.sub(r"<[^>]+>", " ", reader.get(f"{base}/pack").get_data(as_text=True)).split()
    )
    whole = " ".join("\n".join(_pdf_pages(reader.get(f"{base}/pack.pdf"))).split())
    for shown in (pack, whole):
        assert f"{pcso.display_name} {pcso.agency.name} Present" in shown
        for a in conference.attendees:
            assert f"{a.user.display_name} {a.user.agency.name} Sent apologies" in shown
        assert f"Agreed by {chair.display_name}" in shown


def test_an_attendee_reading_circulated_minutes_is_told_whom_to_send_a_correction(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    base = f"/conferences/{conference.id}"
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    _post(officer, f"{base}/attendance", also_present=f"{pcso.id}")
    _post(officer, f"{base}/minutes/new", heading="1. Incidents", discussion="Discussed")
    assert _post(officer, f"{base}/minutes/circulate").status_code == 302
    chair = demo_session.get(User, conference.chair_id)
    chair_client = demo_client(demo_hub, chair)
    told = f"To correct them, tell the chair, {chair.display_name}, {chair.agency.name}"

    for reader in (demo_client(demo_hub, pcso), officer):
        assert told in html.unescape(reader.get(base).get_data(as_text=True))
    assert told not in html.unescape(chair_client.get(base).get_data(as_text=True))

    assert _post(chair_client, f"{base}/minutes/agree").status_code == 302
    assert told not in html.unescape(demo_client(demo_hub, pcso).get(base).get_data(as_text=True))
