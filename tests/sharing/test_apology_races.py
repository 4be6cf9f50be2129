"""Two people recording apologies for a partnership meeting's sitting at the same moment,
on PostgreSQL: the chair and a manager of the organising agency, from sitting pages
opened together, each record that the police send apologies. The first is recorded; the
second waits for it (the sitting's row lock), then is told someone changed the sitting's
apologies after they opened the page, and nothing more is written. Sent without a stamp,
the second still waits, then is refused as apologies already sent: never recorded twice.
Each race is run as in ``test_steps_taken_once``: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing.crypto.keys import LocalKeyring
from sharing.meetings import sitting_apologies
from sharing.models import Agency, SittingApology
from tests.sharing.test_agenda_races import CHANGED, _changes, _coordinators
from tests.sharing.test_steps_taken_once import Step, _race, sessions

__all__ = ["sessions"]  # the fixture, for pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


def _kept(session: Session, sitting_id: int) -> list[tuple[int, str | None]]:
    return [
        (a.agency_id, a.name)
        for a in session.scalars(
            select(SittingApology).where(SittingApology.sitting_id == sitting_id)
        )
    ]


@pytest.mark.parametrize("stamped", [True, False], ids=["stamped", "no-stamp"])
def test_the_same_apologies_recorded_twice_at_once_are_recorded_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session], stamped: bool
) -> None:
    with sessions() as session:
        group, sitting, chair, manager = _coordinators(session)
        ids = group.id, sitting.id
        police = session.scalar(select(Agency).where(Agency.code == "northshire-police")).id
        stamp = sitting_apologies.stamp(session, sitting) if stamped else None
        before = _changes(session, sitting.id)
        kept = _kept(session, sitting.id)

    def records(actor) -> Step:
        def record(session: Session) -> None:
            sitting_apologies.record(session, actor, *ids, police, "Sgt Ellery", opened=stamp)

        return record

    answers = _race(demo_database[0], sessions, records(chair), records(manager))

    second = CHANGED if stamped else "Sgt Ellery, Northshire Police already sends apologies"
    assert answers[0] == "done"
    assert answers[1].startswith(second)
    with sessions() as session:
        assert _kept(session, ids[1]) == [*kept, (police, "Sgt Ellery")]
        assert _changes(session, ids[1]) == before + 1
