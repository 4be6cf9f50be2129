"""The applicant's appeal withdrawn by one lead as another acts on it, on PostgreSQL: two
leads recording the withdrawal at once record it once (the second waits, then is told it
is recorded already); a withdrawal and the appeal body's decision at once leave one of
them, the other refused saying which came first. Without the row lock an appeal could end
both withdrawn and decided, its decision's letter sent for an appeal the applicant had
withdrawn.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import TriggerApplication
from sharing.trigger import applications, input_checks, review_outcome
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import _entries, _race
from tests.sharing.trigger.test_complaints import PROCEDURE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

LEAD = "northshire-csp"


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def _appealed(sessions: sessionmaker[Session]) -> int:
    """An application decided "not met" today and appealed today."""
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        application = applications.record_application(
            session,
            lead,
            PROCEDURE,
            input_checks.ApplicationInput(
                received_on=clock.today(),
                channel="phone",
                victim_kind="person",
                victim_family_name="Racer",
                victim_address="Flat 4, 2 Race Row",
                problem="Shouting and threats on the stairs",
            ),
        )
        applications.decide(session, lead, PROCEDURE, application.id, "not_met", "One")
        review_outcome.record_appeal(
            session, lead, PROCEDURE, application.id, clock.today(), "Nobody called back"
        )
        session.commit()
        return application.id


def _withdrawing(sessions: sessionmaker[Session], application_id: int, role: Role):
    with sessions() as session:
        actor = demo_actor(session, LEAD, role)
    return lambda s: review_outcome.withdraw_appeal(
        s, actor, PROCEDURE, application_id, clock.today()
    )


def _deciding(sessions: sessionmaker[Session], application_id: int):
    with sessions() as session:
        actor = demo_actor(session, LEAD, Role.MANAGER)
    return lambda s: review_outcome.decide_appeal(
        s, actor, PROCEDURE, application_id, "not_upheld", "Properly done.", clock.today()
    )


def test_two_leads_recording_the_withdrawal_at_once_record_it_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    application_id = _appealed(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _withdrawing(sessions, application_id, Role.TRIGGER_LEAD),
        _withdrawing(sessions, application_id, Role.MANAGER),
    )

    assert answers[0] == "done"
    assert "withdrawal of the appeal is already recorded" in answers[1]
    with sessions() as session:
        action = acts.Action.TRIGGER_APPEAL_WITHDRAW
        subject = ("trigger_application", application_id)
        assert _entries(session, action, *subject) == 1
        assert _entries(session, action, *subject, acts.Outcome.REFUSED) == 1


def test_a_withdrawal_as_the_appeal_is_decided_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    application_id = _appealed(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _deciding(sessions, application_id),
        _withdrawing(sessions, application_id, Role.TRIGGER_LEAD),
    )

    assert answers[0] == "done"
    assert "a decided appeal can no longer be withdrawn" in answers[1]
    with sessions() as session:
        application = session.get_one(TriggerApplication, application_id)
        assert application.appeal_decision is not None
        assert application.appeal_withdrawn_on is None


def test_a_decision_as_the_appeal_is_withdrawn_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    application_id = _appealed(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _withdrawing(sessions, application_id, Role.TRIGGER_LEAD),
        _deciding(sessions, application_id),
    )

    assert answers[0] == "done"
    assert "withdrew the appeal" in answers[1]
    with sessions() as session:
        application = session.get_one(TriggerApplication, application_id)
        assert application.appeal_decision is None
        assert application.appeal_withdrawn_on == clock.today()
