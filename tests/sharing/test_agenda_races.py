"""Two coordinators changing a partnership meeting's sitting's agenda at the same moment,
on PostgreSQL: the chair and a manager of the organising agency, from agenda pages opened
together, each add an item of their own, or each move the same item. The first is saved;
the second waits for it (the sitting's row lock), then is told someone changed the agenda
after they opened it (the form's stamp), with nothing written but the first's change.
Without the wait both save: two items where each saw one, or an item moved twice and the
agenda's rows written twice over. Each race is run as in ``test_steps_taken_once``: no
sleep decides the order."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.meetings import agenda, agenda_changes, series
from sharing.models import AgendaItem, MeetingSeries, MeetingSitting
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import Step, _entries, _race, sessions

__all__ = ["sessions"]  # the fixture, for pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

GROUP = "Northshire ASB problem-solving group"
CHANGED = "Someone changed this after you opened it"


def _coordinators(session: Session) -> tuple[MeetingSeries, MeetingSitting, Actor, Actor]:
    """The group, its next sitting to come, its chair and a manager of its organising
    agency (both may arrange the agenda)."""
    group = session.scalar(select(MeetingSeries).where(MeetingSeries.name == GROUP))
    sitting = next(s for s in group.sittings if s.starts_at > clock.now() and not s.cancelled)
    chair = Actor.of(group.chair)
    manager = demo_actor(session, "northshire-csp", Role.MANAGER)
    assert series.may_schedule(chair, group)
    assert series.may_schedule(manager, group)
    return group, sitting, chair, manager


def _items(session: Session, sitting_id: int) -> list[AgendaItem]:
    return agenda.rows_of(session, sitting_id)


def _changes(session: Session, sitting_id: int) -> int:
    return _entries(session, acts.Action.MEETING_AGENDA_CHANGE, "meeting_sitting", sitting_id)


def test_two_items_added_at_once_from_pages_opened_together_add_one(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The chair and the manager each add an item at once: the chair's is added, the
    manager's waits, then is told someone changed the agenda, and is not added."""
    with sessions() as session:
        group, sitting, chair, manager = _coordinators(session)
        ids = group.id, sitting.id
        texts = [r.text for r in _items(session, sitting.id) if r.key == agenda.TEXT_FIELD]
        stamp = agenda.stamp(session, sitting)  # as both pages were opened
        before = _changes(session, sitting.id)

    def adds(actor: Actor, text: str) -> Step:
        def add(session: Session) -> None:
            agenda_changes.add_item(session, actor, *ids, text, opened=stamp)

        return add

    answers = _race(
        demo_database[0],
        sessions,
        adds(chair, "Date of the next partnership away day"),
        adds(manager, "Summer youth diversion funding"),
    )

    assert answers == ["done", CHANGED]
    with sessions() as session:
        added = [r.text for r in _items(session, ids[1]) if r.key == agenda.TEXT_FIELD]
        assert added == [*texts, "Date of the next partnership away day"]
        assert _changes(session, ids[1]) == before + 1


@pytest.mark.parametrize("second_up", [True, False], ids=["both-up", "up-and-down"])
def test_one_item_moved_twice_at_once_from_pages_opened_together_moves_once(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
    second_up: bool,
) -> None:
    """The chair and the manager each move the actions item at once (the same way, or
    opposite ways): the chair's move is saved, the manager's waits, then is told; the
    agenda holds each item once, in the order the first move left it."""
    with sessions() as session:
        group, sitting, chair, manager = _coordinators(session)
        ids = group.id, sitting.id
        keys = [k for k, _ in agenda.ordered(sitting, _items(session, sitting.id))]
        stamp = agenda.stamp(session, sitting)
        before = _changes(session, sitting.id)
    assert keys[1] == "actions"
    moved = [keys[1], keys[0], *keys[2:]]  # actions up, above apologies

    def moves(actor: Actor, up: bool) -> Step:
        def move(session: Session) -> None:
            agenda_changes.move(session, actor, *ids, "actions", up=up, opened=stamp)

        return move

    answers = _race(demo_database[0], sessions, moves(chair, True), moves(manager, second_up))

    assert answers == ["done", CHANGED]
    with sessions() as session:
        sitting = session.get(MeetingSitting, ids[1])
        rows = _items(session, ids[1])
        assert [k for k, _ in agenda.ordered(sitting, rows)] == moved
        assert max(Counter(r.key for r in rows if r.key != agenda.TEXT_FIELD).values()) == 1
        assert _changes(session, ids[1]) == before + 1
