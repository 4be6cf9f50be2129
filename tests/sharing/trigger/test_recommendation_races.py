"""A panel's recommendation sent at the moment another lead records the review's outcome
or closes the application, on PostgreSQL. Whichever comes first is recorded and the other
waits for it: a recommendation recorded first is named in the outcome's audit entry (as
the letter lists it); one sent as the outcome or the closing is recorded is refused
saying why, with nothing written but its refusal. Without the wait the recommendation
landed after the outcome: missing from the outcome's audit entry, yet in the letter.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.meetings import series
from sharing.models import AuditEntry, ProtocolRecord, TriggerApplication, TriggerRecommendation
from sharing.trigger import applications, closing, review, review_outcome, review_recommendations
from sharing.trigger.workdays import working_day_from
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor, demo_user
from tests.sharing.test_steps_taken_once import _entries, _race
from tests.sharing.trigger.test_complaints import PROCEDURE, _phoned_by_a_repeat_victim

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

LEAD = "northshire-csp"
FINDINGS = "The landlord and the police each acted on their own reports and never met."
NEXT = "The agencies will meet monthly on the case until the behaviour stops."


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def _before_the_panel(session: Session, lead: Actor) -> tuple[TriggerApplication, datetime]:
    """An application met by discretion and put before a sitting of the area's review
    panel tomorrow (committed), and a moment after the panel has met."""
    application = _phoned_by_a_repeat_victim(session, lead)
    applications.decide(session, lead, PROCEDURE, application.id, "discretion", "Frightened")
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-community-trigger", ProtocolRecord.status == "active"
        )
    )
    chair = demo_user(session, LEAD, Role.MANAGER)
    group = series.set_up(
        session,
        Actor.of(chair),
        series.SeriesInput(
            name="Northshire ASB Case Review panel",
            cadence="monthly",
            protocol_id=protocol.id,
            purpose="community_trigger",
            chair_id=chair.id,
            member_ids=[
                demo_user(session, "northshire-police", Role.MANAGER).id,
                demo_user(session, "northshire-homes", Role.MANAGER).id,
            ],
            first_at=clock.now() + timedelta(days=1),
            place="Northshire Civic Centre, room 2",
        ),
    )
    sitting = group.sittings[0]
    review.convene(session, lead, PROCEDURE, application.id, sitting.id)
    session.commit()
    return application, sitting.starts_at + timedelta(hours=2)


def _recommending(actor: Actor, application: TriggerApplication, police_id: int, at: datetime):
    data = review_recommendations.RecommendationInput(
        police_id,
        working_day_from(clock.day_of(at) + timedelta(days=30)),
        "Share the patrol logs every month",
    )
    return lambda s: review_recommendations.recommend(
        s, actor, PROCEDURE, application.id, data, now=at
    )


def _outcome(actor: Actor, application: TriggerApplication, at: datetime):
    return lambda s: review_outcome.record_outcome(
        s, actor, PROCEDURE, application.id, FINDINGS, NEXT, now=at
    )


def _outcome_basis(session: Session, application: TriggerApplication) -> str:
    _entries(session, acts.Action.TRIGGER_OUTCOME, "trigger_application", application.id)
    return session.scalar(
        select(AuditEntry.basis).where(
            AuditEntry.action == acts.Action.TRIGGER_OUTCOME.value,
            AuditEntry.outcome == acts.Outcome.ALLOWED.value,
            AuditEntry.object_id == str(application.id),
        )
    )


def _set_up(
    sessions: sessionmaker[Session],
) -> tuple[Actor, Actor, int, TriggerApplication, datetime]:
    """The Trigger lead, a manager of the lead's agency who records recommendations, the
    police (the agency recommended to), and an application before its panel with the
    moment after the panel sat."""
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        police = demo_user(session, "northshire-police", Role.MANAGER).agency_id
        application, after = _before_the_panel(session, lead)
    return lead, manager, police, application, after


def _recommendations(session: Session, application: TriggerApplication) -> list[int]:
    return list(
        session.scalars(
            select(TriggerRecommendation.id).where(
                TriggerRecommendation.application_id == application.id
            )
        )
    )


def test_a_recommendation_recorded_as_the_outcome_is_sent_is_named_in_the_outcome(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    lead, manager, police, application, after = _set_up(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _recommending(manager, application, police, after),
        _outcome(lead, application, after),
    )

    assert answers == ["done", "done"]
    with sessions() as session:
        [made] = _recommendations(session, application)
        assert _outcome_basis(session, application) == f"recommendations {made}"


def test_a_recommendation_sent_as_the_outcome_is_recorded_is_refused_saying_so(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    lead, manager, police, application, after = _set_up(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _outcome(lead, application, after),
        _recommending(manager, application, police, after),
    )

    assert answers[0] == "done"
    assert answers[1].startswith("The outcome was recorded on ")
    assert "so the recommendation was not recorded" in answers[1]
    with sessions() as session:
        assert _recommendations(session, application) == []
        assert _outcome_basis(session, application) == "no recommendations"
        subject = ("trigger_application", application.id)
        refused = acts.Outcome.REFUSED
        assert _entries(session, acts.Action.TRIGGER_RECOMMEND, *subject) == 0
        assert _entries(session, acts.Action.TRIGGER_RECOMMEND, *subject, refused) == 1


def test_a_recommendation_sent_as_the_application_is_withdrawn_is_refused_saying_so(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    lead, manager, police, application, after = _set_up(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        lambda s: closing.record_withdrawal(
            s, lead, PROCEDURE, application.id, clock.today(), "The victim phoned to withdraw"
        ),
        _recommending(manager, application, police, after),
    )

    assert answers[0] == "done"
    assert f"Application {application.reference} was closed on" in answers[1]
    with sessions() as session:
        assert _recommendations(session, application) == []
