"""A conference whose chair changes with its partnership meeting's chair keeps that change
with its other changes of chair (demo partnership): its page lists it under "Changes of
chair", naming the meeting and who changed the meeting, as a change on its own page is
listed; the meeting's entry names the changes kept, by id. The reason is never offered
on the conference's own form, and sending it there is refused."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from hub.templating import uk_date
from sharing import clock
from sharing.models import ChairChange
from sharing.vocabulary import ChairChangeReason, MinutesStatus, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_cancelling_conferences import _convene
from tests.hub.test_changing_meetings import _change, _entries, _group, _to_come
from tests.hub.test_conference_chairs import _martin, _rechair
from tests.hub.test_meeting_chair_changes import _conferences_of, _manager


def test_a_chair_changed_with_the_meetings_is_listed_on_each_conference_it_took_over(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    old_chair = group.chair
    to_come = [c.id for c in _to_come(demo_session).conferences]
    held = [
        c.id
        for c in _conferences_of(demo_session, group).values()
        if c.minutes_status is MinutesStatus.AGREED
    ]
    assert to_come
    assert held
    new_chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    client, manager = _manager(demo_hub, demo_session)
    members = [m.user_id for m in group.members if m.user.active]

    response = _change(
        client,
        demo_session,
        chair=str(new_chair.id),
        members=[str(m) for m in [*members, new_chair.id]],
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    # The sitting held keeps who chaired it, on its page and agenda; the one to come is
    # chaired by the new chair.
    group = _group(demo_session)
    sat = next(s for s in group.sittings if s.starts_at < clock.now() and not s.cancelled)
    path = f"/meetings/{group.id}/sittings"
    for sitting_id, chair in ((sat.id, old_chair), (_to_come(demo_session).id, new_chair)):
        named = f"{chair.display_name}, {chair.agency.name}"
        shown = html.unescape(client.get(f"{path}/{sitting_id}").get_data(as_text=True))
        row = re.search(r">\s*Chair\s*</dt>\s*<dd[^>]*>\s*(.*?)\s*</dd>", shown, re.S)
        assert row[1] == named, row[1]
        agenda = html.unescape(client.get(f"{path}/{sitting_id}/agenda").get_data(as_text=True))
        assert f"Chair: {named}." in agenda

    said = (
        f"Chair changed from {old_chair.display_name} to {new_chair.display_name} on "
        f"{uk_date(clock.now())} by {manager.display_name}: the chair of {group.name} changed"
    )
    for conference_id in to_come:
        for reader in (client, demo_client(demo_hub, new_chair)):
            page = html.unescape(reader.get(f"/conferences/{conference_id}").get_data(as_text=True))
            assert "Changes of chair" in page
            assert said in page
    kept = demo_session.scalars(
        select(ChairChange).where(ChairChange.conference_id.in_(to_come + held))
    ).all()
    assert sorted(
        (c.conference_id, c.chair_from_id, c.chair_to_id, c.changed_by_id, c.series_id)
        for c in kept
    ) == sorted((i, old_chair.id, new_chair.id, manager.id, group.id) for i in to_come)
    assert {c.reason for c in kept} == {ChairChangeReason.MEETING_CHAIR}
    # What was held keeps the chair who held it, and lists no change.
    for conference_id in held:
        page = client.get(f"/conferences/{conference_id}").get_data(as_text=True)
        assert "Changes of chair" not in page
    entry = _entries(demo_session, "meeting.change")[-1]
    assert entry.basis.endswith(
        f"(chair changes {','.join(str(c.id) for c in sorted(kept, key=lambda c: c.id))})"
    )
    for person in (old_chair, new_chair, manager):
        assert person.display_name not in entry.basis
    assert group.name not in entry.basis


def test_the_meetings_reason_is_not_offered_on_a_conferences_own_form(
    demo_hub, demo_session
) -> None:
    officer, conference = _convene(demo_hub, demo_session)
    form = officer.get(f"/conferences/{conference.id}/chair").get_data(as_text=True)
    assert 'value="cannot_attend"' in form
    assert "meeting_chair" not in form

    refused = _rechair(officer, conference, _martin(demo_session).id, "meeting_chair")

    assert refused.status_code == 400
    assert "Select why the chair changes" in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert (
        demo_session.scalars(
            select(ChairChange).where(ChairChange.conference_id == conference.id)
        ).all()
        == []
    )
    entry = _entries(demo_session, "conference.change")[-1]
    assert (entry.outcome, entry.object_id) == ("refused", str(conference.id))
    assert "reason" in entry.basis
