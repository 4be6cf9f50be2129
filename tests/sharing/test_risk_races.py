"""Two people assessing the same victim at the same moment, on PostgreSQL: the victim's
risk rises to high once, so the officer is prompted once and each partner with a live
share is alerted once. Without a wait both would read the victim's last assessment as
below high, and both would escalate: two prompts on the case page and every partner's
alert twice.

As in ``test_steps_taken_once``, the first assessment's transaction stays open until the
second waits for it (or, had it not waited, has saved its assessment too)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import Alert, Escalation, RiskAssessment, User
from sharing.risk.assessments import AssessmentInput, latest, record_assessment
from sharing.risk.matrix import shipped
from sharing.vocabulary import AssessmentStage, EscalationReason, RiskBand, Role
from tests.fixtures.app import TEST_COST
from tests.sharing.test_risk import _police_shared_case, _victim
from tests.sharing.test_steps_taken_once import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

MATRICES = shipped()
HIGHEST = {q.id: max(q.options, key=lambda o: o.score).value for q in MATRICES.current.questions}
LOWEST = {q.id: min(q.options, key=lambda o: o.score).value for q in MATRICES.current.questions}


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def test_a_victim_assessed_high_by_two_people_at_once_escalates_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = _police_shared_case(session)
        person_id = _victim(case)
        officer = Actor.of(session.get(User, case.officer_id))
        record_assessment(  # low now: the next high is a rise
            session,
            authorise(session, officer, case.id, Act.ASSESS_RISK),
            AssessmentInput(person_id, AssessmentStage.REVIEW, 1, dict(LOWEST)),
            matrices=MATRICES,
        )
        session.commit()
        assert latest(session, case.id, person_id).band is RiskBand.LOW
        manager = next(
            Actor.of(u)
            for u in session.scalars(select(User).where(User.agency_id == case.agency_id))
            if Role.MANAGER in u.roles
        )
        escalations = session.scalar(
            select(func.count()).select_from(Escalation).where(Escalation.case_id == case.id)
        )
        alerts = session.scalar(
            select(func.count()).select_from(Alert).where(Alert.case_id == case.id)
        )
        police_before = session.scalar(_police_alerts(case.id))

    def assess(actor: Actor):
        def step(session: Session) -> None:
            record_assessment(
                session,
                authorise(session, actor, case.id, Act.ASSESS_RISK),
                AssessmentInput(
                    person_id, AssessmentStage.REVIEW, MATRICES.current.version, dict(HIGHEST)
                ),
                matrices=MATRICES,
                now=datetime.now(UTC),
            )

        return step

    answers = _race(demo_database[0], sessions, assess(officer), assess(manager))

    assert answers == ["done", "done"]  # two assessments: each is the person's as they saw it
    with sessions() as session:
        saved = select(func.count()).select_from(RiskAssessment)
        assert session.scalar(saved.where(RiskAssessment.case_id == case.id)) >= 2
        raised = session.scalars(
            select(Escalation.reason).where(Escalation.case_id == case.id)
        ).all()
        assert len(raised) == escalations + 1
        assert raised[-1] is EscalationReason.HIGH_RISK
        police = session.scalar(_police_alerts(case.id))
        # Its case officers and managers, once each (beside any the demo raised before).
        assert police - police_before == 2
        assert (
            session.scalar(select(func.count()).select_from(Alert).where(Alert.case_id == case.id))
            > alerts
        )


def _police_alerts(case_id: int) -> Select[tuple[int]]:
    """How many alerts about the case the police have."""
    return (
        select(func.count())
        .select_from(Alert)
        .where(Alert.case_id == case_id, Alert.agency.has(code="northshire-police"))
    )
