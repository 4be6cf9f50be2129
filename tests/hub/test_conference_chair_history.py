"""A conference's changes of chair are kept on the conference and listed on its page
("Chair changed from A to B on 8 December 2026 by C: the chair can no longer attend it")
for whoever may open it, its invited agencies' people as well as the convening agency's;
the pack names only who chairs it now; a change refused leaves nothing to list."""

from __future__ import annotations

import html

from sqlalchemy import select

from hub.templating import uk_date
from sharing import clock
from sharing.models import ChairChange, User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_cancelling_conferences import _convene
from tests.hub.test_conference_chairs import _martin, _rechair


def test_each_change_of_chair_is_listed_on_the_conference_page_not_in_the_pack(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    was = conference.chair
    by = demo_session.get(User, conference.convened_by_id)
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    martin = _martin(demo_session)
    page = f"/conferences/{conference.id}"
    assert "Changes of chair" not in officer.get(page).get_data(as_text=True)

    assert _rechair(officer, conference, police_manager.id, "cannot_attend").status_code == 302
    chairing = demo_client(demo_hub, police_manager)
    assert _rechair(chairing, conference, martin.id, "another_agency").status_code == 302

    today = uk_date(clock.now())
    first = (
        f"Chair changed from {was.display_name} to {police_manager.display_name} on {today} "
        f"by {by.display_name}: the chair can no longer attend it"
    )
    second = (
        f"Chair changed from {police_manager.display_name} to {martin.display_name} on "
        f"{today} by {police_manager.display_name}: it should be chaired by someone of "
        "another agency"
    )
    pcso = demo_client(demo_hub, conference.attendees[0].user)  # an invited agency's
    for reader in (officer, chairing, pcso):
        shown = html.unescape(reader.get(page).get_data(as_text=True))
        assert "Changes of chair" in shown
        assert shown.index(first) < shown.index(second)
        pack = html.unescape(reader.get(f"{page}/pack").get_data(as_text=True))
        assert f"{martin.display_name}, {martin.agency.name}" in pack
        assert "Chair changed from" not in pack

    kept = demo_session.scalars(
        select(ChairChange).where(ChairChange.conference_id == conference.id)
    ).all()
    assert [(c.chair_from_id, c.chair_to_id, c.changed_by_id, c.reason.value) for c in kept] == [
        (was.id, police_manager.id, by.id, "cannot_attend"),
        (police_manager.id, martin.id, police_manager.id, "another_agency"),
    ]

    # Someone who may not open the conference sees none of it.
    other = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert other.get(page).status_code == 404


def test_a_change_refused_is_not_listed(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    martin = _martin(demo_session)
    for chair, reason in ((martin.id, "bored"), (conference.chair_id, "left"), ("", "left")):
        assert _rechair(officer, conference, chair, reason).status_code == 400
    demo_session.expire_all()
    assert (
        demo_session.scalars(
            select(ChairChange).where(ChairChange.conference_id == conference.id)
        ).all()
        == []
    )
    page = officer.get(f"/conferences/{conference.id}").get_data(as_text=True)
    assert "Changes of chair" not in page
