"""The applicant's appeal withdrawn by one lead as another acts on it, on PostgreSQL: two
leads recording the withdrawal at once record it once (the second waits, then is told it
is recorded already); a withdrawal and the appeal body's decision at once leave one of
them, the other refused saying which came first. Without the row lock an appeal could end
both withdrawn and decided, its decision's letter sent for an appeal the applicant had
withdrawn. A recommendation made on the appeal, marked done by its agency as the appeal is
withdrawn, ends either done or cancelled, never both.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.audit import acts
from sharing.audit.log import integrate
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditEntry, TriggerApplication, TriggerRecommendation
from sharing.trigger import applications, input_checks, review_outcome, review_recommendations
from sharing.trigger.workdays import working_day_from
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


def _recommended_on_appeal(sessions: sessionmaker[Session], application_id: int) -> int:
    """A recommendation on the appeal, for the police."""
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        police = demo_actor(session, "northshire-police", Role.MANAGER)
        made = review_recommendations.recommend(
            session,
            lead,
            PROCEDURE,
            application_id,
            review_recommendations.RecommendationInput(
                police.agency_id,
                working_day_from(clock.today() + timedelta(days=30)),
                "Patrol the stairs",
            ),
            on_appeal=True,
        )
        session.commit()
        return made.id


def _marking_done(sessions: sessionmaker[Session], recommendation_id: int):
    with sessions() as session:
        actor = demo_actor(session, "northshire-police", Role.MANAGER)
    return lambda s: review_recommendations.complete(
        s, actor, recommendation_id, "Patrols began on Friday"
    )


def test_a_recommendation_marked_done_as_the_appeal_is_withdrawn_is_refused_as_cancelled(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    application_id = _appealed(sessions)
    recommendation_id = _recommended_on_appeal(sessions, application_id)

    answers = _race(
        demo_database[0],
        sessions,
        _withdrawing(sessions, application_id, Role.TRIGGER_LEAD),
        _marking_done(sessions, recommendation_id),
    )

    assert answers[0] == "done"
    assert "This recommendation was cancelled on" in answers[1]
    with sessions() as session:
        recommendation = session.get_one(TriggerRecommendation, recommendation_id)
        assert recommendation.cancelled_on == clock.today()
        assert recommendation.completed_on is None


def test_a_recommendation_done_as_the_appeal_is_withdrawn_stays_done(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Its agency marked it done first: the withdrawal waits, then cancels nothing done."""
    application_id = _appealed(sessions)
    recommendation_id = _recommended_on_appeal(sessions, application_id)

    answers = _race(
        demo_database[0],
        sessions,
        _marking_done(sessions, recommendation_id),
        _withdrawing(sessions, application_id, Role.TRIGGER_LEAD),
    )

    assert answers == ["done", "done"]
    with sessions() as session:
        recommendation = session.get_one(TriggerRecommendation, recommendation_id)
        assert recommendation.completed_on == clock.today()
        assert recommendation.cancelled_on is None
        integrate(session)
        withdrawn = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == acts.Action.TRIGGER_APPEAL_WITHDRAW.value,
                AuditEntry.object_id == str(application_id),
            )
        ).all()
        assert [e.basis for e in withdrawn] == [
            f"withdrawn {clock.today().isoformat()}; notices dropped 0"
        ]
