"""Two leads correcting who a Community Trigger applicant reported the behaviour to at the
same moment, on PostgreSQL, each from a form opened before either saved: the first is
saved; the second waits for it (the application's row lock), then is refused as changed
meanwhile, writing nothing but its refusal. Without the wait the second would silently
replace the first's correction and reason.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sharing import stamps
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import TriggerApplication
from sharing.trigger import handling, reports
from sharing.trigger.input_checks import ReportedTo
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import _entries, _race
from tests.sharing.trigger.test_complaints import PROCEDURE, _phoned_by_a_repeat_victim

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

LEAD = "northshire-csp"


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def test_two_leads_correcting_who_it_was_reported_to_at_once_keep_the_first(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        application = _phoned_by_a_repeat_victim(session, lead)
        session.commit()
        opened = stamps.of(session, application)

    def correcting(actor, agency: str, reason: str):
        given = (ReportedTo(agency, agency),)
        return lambda s: reports.correct(
            s, actor, PROCEDURE, application.id, given, reason, opened=opened
        )

    answers = _race(
        demo_database[0],
        sessions,
        correcting(lead, "northshire-police", "The police confirm a report"),
        correcting(manager, "northshire-homes", "The housing officer took it"),
    )

    assert answers == ["done", "Someone changed this after you opened it"]
    with sessions() as session:
        corrected = session.get_one(TriggerApplication, application.id)
        values = reveal(handling.LEAD, corrected, reports.COLUMNS)
        assert values["reported_to_reason"] == "The police confirm a report"
        assert "Northshire Police" in (values["reported_to_corrected"] or "")
        subject = ("trigger_application", application.id)
        assert _entries(session, acts.Action.TRIGGER_CORRECT, *subject) == 1
        refused = _entries(session, acts.Action.TRIGGER_CORRECT, *subject, acts.Outcome.REFUSED)
        assert refused == 1
