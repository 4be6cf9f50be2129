"""A partnership meeting given a new chair who already chairs another meeting's sitting
within two hours of one of its sittings to come is refused at the chair, naming both
times, with nothing changed and the refusal recorded (demo partnership, its own copy)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.templating import UK
from sharing import clock
from sharing.access.decide import Actor
from sharing.meetings import series
from sharing.models import AuditEntry, MeetingSeries
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_changing_meetings import GROUP, _change, _group, _to_come


def test_a_new_chair_booked_at_a_sitting_to_come_is_refused_naming_both_times(
    demo_hub, demo_session
) -> None:
    manager_user = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    group = _group(demo_session)
    assert group.chair_id != manager_user.id
    sitting = _to_come(demo_session)
    # The manager chairs another meeting, sitting an hour after the group's next sitting.
    other = series.set_up(
        demo_session,
        Actor.of(manager_user),
        series.SeriesInput(
            name="Northshire hate crime panel",
            cadence="monthly",
            protocol_id=group.protocol_id,
            purpose=group.purpose,
            chair_id=manager_user.id,
            member_ids=[
                manager_user.id,
                demo_user(demo_session, "northshire-police", Role.MANAGER).id,
            ],
            first_at=sitting.starts_at + timedelta(hours=1),
            place="Northshire Civic Centre, committee room 1",
        ),
        now=clock.now(),
    )
    demo_session.commit()
    last = demo_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))

    manager = demo_client(demo_hub, manager_user)
    response = _change(manager, demo_session, chair=str(manager_user.id))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    theirs = other.sittings[0].starts_at.astimezone(UK)
    ours = sitting.starts_at.astimezone(UK)
    assert f"The new chair already chairs {other.name} on {theirs:%-d %B %Y}" in page
    assert f"of the meeting&#39;s sitting on {ours:%-d %B %Y}" in page
    assert "select another chair, or move that sitting first" in page
    assert _group(demo_session).chair_id != manager_user.id
    refused = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.seq > last, AuditEntry.action == "meeting.change")
    ).all()
    assert [(e.outcome, e.basis) for e in refused] == [("refused", "refused input: chair_id")]
    assert demo_session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
