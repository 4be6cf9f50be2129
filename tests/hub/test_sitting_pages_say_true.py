"""What a sitting's page and agenda say of sittings still to come or cancelled (demo
partnership): the agenda of a sitting scheduled after one still to come does not say
that one "agreed no actions" (it has not sat), and a cancelled sitting with no cases
does not say no case has been brought "yet" (none can be); and cancelling a sitting
with no cases says nothing of cases (moving one: ``test_moves_told_land``)."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import clock
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_changing_meetings import _group
from tests.hub.test_moving_sittings import _form
from tests.hub.test_sitting_chairs_kept import _schedule


def _said(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_agenda_after_a_sitting_to_come_says_it_has_not_been_held_yet(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = _group(demo_session)
    to_come = next(s for s in group.sittings if s.starts_at > clock.now() and not s.cancelled)
    later = _schedule(demo_session, int((to_come.starts_at - clock.now()).total_seconds() // 3600))
    assert later.starts_at > to_come.starts_at
    assert not any(to_come.starts_at < s.starts_at < later.starts_at for s in group.sittings)
    member = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    path = f"/meetings/{group.id}/sittings/{later.id}/agenda"
    said = _said(member.get(path).get_data(as_text=True))
    day = uk_date(to_come.starts_at)
    assert f"The sitting of {day} has not been held yet" in said
    assert f"The sitting of {day} agreed no actions" not in said
    pdf = PdfReader(io.BytesIO(member.get(f"{path}.pdf").data))
    printed = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert f"The sitting of {day} has not been held yet" in printed

    # Once it has sat, with nothing agreed, the agenda says so.
    with clock.pinned(to_come.starts_at + timedelta(hours=3)):
        member = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
        said = _said(member.get(path).get_data(as_text=True))
    assert f"The sitting of {day} has not been held yet" not in said


def test_a_cancelled_sitting_with_no_cases_says_none_was_brought(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = _group(demo_session)
    sitting = _schedule(demo_session, 5)
    coordinator = demo_client(demo_hub, group.chair)
    path = f"/meetings/{group.id}/sittings/{sitting.id}"
    assert "No case has been brought to this sitting yet." in _said(
        coordinator.get(path).get_data(as_text=True)
    )
    response = coordinator.post(
        f"{path}/cancel", data={**_form(coordinator, f"{path}/cancel"), "reason": "venue"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    said = _said(coordinator.get(path).get_data(as_text=True))
    # It had no cases: the message after cancelling it says nothing of theirs.
    assert "Sitting cancelled. Its members are told." in said
    assert "No case was brought to this sitting." in said
    assert "yet" not in said.split("Cases on the agenda", 1)[1].split("Members when it was")[0]
