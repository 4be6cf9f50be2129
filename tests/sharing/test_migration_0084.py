"""Migration 0084: the sittings held or cancelled before who chaired them was kept are
given the chair of their first case's conference (or, with no cases, the meeting's chair)
and the meeting's standing members; the sittings to come are given none, and go on
naming the meeting's chair and members."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.migrate import downgrade, upgrade
from sharing import clock
from sharing.models import MeetingSeries

GROUP = "Northshire ASB problem-solving group"


def test_sittings_held_before_0084_keep_their_conferences_chair_and_the_members(
    demo_hub: Flask, demo_session: Session
) -> None:
    group = demo_session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    held = [s for s in group.sittings if s.starts_at < clock.now()]
    to_come = [s for s in group.sittings if s.starts_at > clock.now()]
    assert held
    assert to_come
    assert all(s.conferences for s in held)
    chairs = {s.id: s.conferences[0].chair_id for s in held}
    members = sorted(m.user_id for m in group.members)
    demo_session.close()
    engine = demo_hub.extensions["hub.engine"]
    downgrade(engine, "0083")
    upgrade(engine)

    with engine.connect() as connection:
        kept = dict(
            connection.execute(
                text("SELECT id, chair_id FROM meeting_sittings WHERE series_id = :s"),
                {"s": group.id},
            ).all()
        )
        listed = connection.execute(
            text("SELECT sitting_id, user_id FROM meeting_sitting_members")
        ).all()
    assert kept == {**chairs, **{s.id: None for s in to_come}}
    for sitting_id in chairs:
        assert sorted(u for s, u in listed if s == sitting_id) == members
    assert not [s for s, _ in listed if s in {t.id for t in to_come}]
