"""The daily sweep run at the moment a manager erases the same application on an erasure
request, on PostgreSQL: whichever comes first erases it and the other, waiting for it,
finds it erased. Before, the sweep took no lock: it destroyed the key again after the
manager's erasure committed, moved the day of the erasure, and the log held two erasures
of one application.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditEntry, TriggerApplication
from sharing.trigger import retention
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import _race
from tests.sharing.trigger.test_complaints import PROCEDURE
from tests.sharing.trigger.test_retention import _at, _not_met

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def test_the_sweep_run_as_a_manager_erases_the_application_erases_it_once(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        application_id = _not_met(session).id  # its retention ends on 10 July 2029
        manager = demo_actor(session, PROCEDURE.lead, Role.MANAGER)
    manager_at, swept_at = _at(date(2029, 7, 10), 9), _at(date(2029, 7, 10), 9, 1)

    def erase(session: Session) -> None:
        retention.erase_application(session, manager, PROCEDURE, application_id, now=manager_at)

    def sweep(session: Session) -> None:
        retention.sweep(session, PROCEDURE, now=swept_at)

    answers = _race(demo_database[0], sessions, erase, sweep)

    assert answers == ["done", "done"]
    with sessions() as session:
        assert session.get(TriggerApplication, application_id).erased_at == manager_at
        erasures = session.scalars(
            select(AuditEntry.basis).where(
                AuditEntry.action == "trigger.erase",
                AuditEntry.object_id == str(application_id),
            )
        ).all()
        assert erasures == ["data key destroyed: erasure request"]
    assert clock.day_of(manager_at) == date(2029, 7, 10)
