"""The notice "A case conference is cancelled" sent to someone whose agency's share ended
with the conference links to their list of conferences, at the cancelled conference: the
list says there that it is cancelled, naming the case reference and its day as the notice
does, and nothing more (not why, nor the note); no one else is shown it."""

from __future__ import annotations

import html

from sqlalchemy import select

from hub.templating import uk_date
from sharing.models import Notice
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_cancelling_conferences import NOTE, _cancel, _convene, _reloaded


def test_the_notice_to_a_partner_whose_share_ended_lands_on_the_cancelled_conference(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    pcso = conference.attendees[0].user
    reference, day = conference.case.reference, uk_date(conference.starts_at)
    assert _cancel(officer, conference, reason="moved_away", note=NOTE).status_code == 302
    cancelled = _reloaded(demo_session, conference)
    notice = demo_session.scalar(
        select(Notice).where(
            Notice.kind == NoticeKind.CONFERENCE_CANCELLED, Notice.user_id == pcso.id
        )
    )
    path, anchor = notice.path.split("#")
    assert (path, anchor) == ("/conferences", f"cancelled-{cancelled.id}")

    police = demo_client(demo_hub, pcso)
    assert police.get(f"/conferences/{cancelled.id}").status_code == 404  # share ended
    listed = html.unescape(police.get(path).get_data(as_text=True))
    assert listed.count(f'id="{anchor}"') == 1
    landed = listed.split(f'id="{anchor}"', 1)[1].split("</li>", 1)[0]
    assert f"The case conference on case {reference} of {day} is cancelled" in landed
    # Nothing the notice does not say: not why, nor the note, nor a way to the conference.
    assert "moved away" not in listed
    assert NOTE not in listed
    assert f"/conferences/{cancelled.id}" not in listed

    # Someone of the same agency who was not told is not shown it.
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    assert reference not in manager.get(path).get_data(as_text=True)
