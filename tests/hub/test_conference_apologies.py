"""Someone expected at a case conference sends their apologies from its page before it
begins (and may take them back); the convening agency finds them marked when it records
who attended; nobody else may send them, and none is sent once it has begun."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from sharing import clock
from sharing.models import AuditEntry, ConferenceAttendee
from sharing.vocabulary import Attendance, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conference_meeting import _post
from tests.hub.test_conferences import _convened


def _entries(session, conference_id: int) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "conference.change")
            .where(AuditEntry.object_id == str(conference_id))
            .order_by(AuditEntry.seq)
        )
    )


def test_someone_expected_sends_apologies_that_the_attendance_form_then_holds(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    place = ConferenceAttendee(conference=conference, user_id=pcso.id)
    demo_session.add(place)
    demo_session.commit()
    base = f"/conferences/{conference.id}"
    police = demo_client(demo_hub, pcso)
    assert "Send my apologies" in police.get(base).get_data(as_text=True)
    assert "Send my apologies" not in officer.get(base).get_data(as_text=True)

    # Someone not expected may not: refused and recorded.
    assert _post(officer, f"{base}/apologies").status_code == 403
    assert _entries(demo_session, conference.id)[-1].outcome == "refused"

    sent = _post(police, f"{base}/apologies")
    assert sent.status_code == 302
    page = html.unescape(police.get(sent.location).get_data(as_text=True))
    assert "Apologies sent" in page
    assert f"{pcso.display_name}, {pcso.agency.name} (sent apologies)" in page
    assert "I can come after all" in page
    entry = _entries(demo_session, conference.id)[-1]
    assert entry.outcome == "allowed"
    assert entry.basis == f"case {conference.case_id}; apologies, attendee {place.id}"
    demo_session.refresh(place)
    assert place.attendance is Attendance.APOLOGIES
    demo_session.refresh(conference)
    assert conference.minutes_status is None  # not held by them
    assert "Cancel this conference" in officer.get(base).get_data(as_text=True)

    # Taken back, then sent again.
    assert _post(police, f"{base}/apologies", coming="yes").status_code == 302
    demo_session.refresh(place)
    assert place.attendance is None
    assert "Send my apologies" in police.get(base).get_data(as_text=True)
    assert _post(police, f"{base}/apologies").status_code == 302

    # Once it has begun: nothing more to send; the attendance form holds the apologies.
    conference.starts_at = clock.now() - timedelta(minutes=30)
    demo_session.commit()
    assert "Send my apologies" not in police.get(base).get_data(as_text=True)
    late = _post(police, f"{base}/apologies", coming="yes")
    assert "The conference has begun: tell its chair." in police.get(late.location).get_data(
        as_text=True
    )
    demo_session.refresh(place)
    assert place.attendance is Attendance.APOLOGIES
    assert _entries(demo_session, conference.id)[-1].outcome == "refused"
    form = officer.get(f"{base}/attendance").get_data(as_text=True)
    assert 'value="apologies" checked' in form.partition(f"attendance_{place.id}")[2][:3000]


def test_the_home_page_says_which_coming_conferences_you_sent_apologies_for(
    demo_hub, demo_session
) -> None:
    """The sergeant's "Your conferences coming up" still lists a conference they sent
    apologies for, saying so, until they take them back."""
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    police = demo_client(demo_hub, sergeant)
    home = html.unescape(police.get("/").get_data(as_text=True))
    coming = home[home.index('id="conferences-coming-up"') :]
    first = int(coming.split('href="/conferences/', 1)[1].split('"', 1)[0])
    assert "you sent apologies" not in coming
    base = f"/conferences/{first}"
    assert _post(police, f"{base}/apologies").status_code == 302
    home = html.unescape(police.get("/").get_data(as_text=True))
    coming = home[home.index('id="conferences-coming-up"') :]
    item = coming[coming.index(f'href="{base}"') :].split("</li>", 1)[0]
    assert "you sent apologies" in item
    assert _post(police, f"{base}/apologies", coming="yes").status_code == 302
    home = html.unescape(police.get("/").get_data(as_text=True))
    assert "you sent apologies" not in home
