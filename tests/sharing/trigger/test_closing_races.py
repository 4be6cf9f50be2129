"""Two leads closing Community Trigger applications at the same moment, on PostgreSQL:
the same application recorded withdrawn from two desks, and two applications each
recorded as the duplicate of the other. The first is recorded; the second waits for it,
then is refused saying why, with nothing written but its refusal, and nobody is shown an
error. Without the wait both would be written: two withdrawals logged, or two
applications each the duplicate of the other, so that neither goes on.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.meetings import bringing_cases
from sharing.models import Conference, MeetingSitting, TriggerApplication, User
from sharing.trigger import closing, review
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.hub.test_trigger_review import _met, _panel
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


def test_an_application_recorded_withdrawn_by_two_leads_at_once_is_withdrawn_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        application = _phoned_by_a_repeat_victim(session, lead)
        session.commit()

    def withdrawing(actor, note: str):
        return lambda s: closing.record_withdrawal(
            s, actor, PROCEDURE, application.id, clock.today(), note
        )

    answers = _race(
        demo_database[0],
        sessions,
        withdrawing(lead, "The victim phoned to withdraw"),
        withdrawing(manager, "The victim wrote to withdraw"),
    )

    assert answers[0] == "done"
    assert f"Application {application.reference} was closed on" in answers[1]
    assert answers[1].endswith(": nothing was changed")
    with sessions() as session:
        closed = session.get(TriggerApplication, application.id)
        assert closed.closed_by_id == lead.user_id
        subject = ("trigger_application", application.id)
        assert _entries(session, acts.Action.TRIGGER_WITHDRAW, *subject) == 1
        refused = _entries(session, acts.Action.TRIGGER_WITHDRAW, *subject, acts.Outcome.REFUSED)
        assert refused == 1


def test_two_applications_recorded_each_the_duplicate_of_the_other_at_once_leave_one_live(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """By phone and online, two leads each take the other for the duplicate: the first
    is recorded, the second is told the other is itself a duplicate, so one goes on."""
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        phoned = _phoned_by_a_repeat_victim(session, lead)
        online = _phoned_by_a_repeat_victim(session, lead)
        session.commit()

    def duplicate(actor, application: TriggerApplication, of: TriggerApplication):
        return lambda s: closing.record_duplicate(s, actor, PROCEDURE, application.id, of.reference)

    answers = _race(
        demo_database[0],
        sessions,
        duplicate(lead, online, phoned),  # the later one first
        duplicate(manager, phoned, online),
    )

    assert answers[0] == "done"
    assert f"{online.reference} is itself a duplicate of {phoned.reference}" in answers[1]
    with sessions() as session:
        assert session.get(TriggerApplication, online.id).duplicate_of_id == phoned.id
        live = session.get(TriggerApplication, phoned.id)
        assert live.closed_at is None
        assert closing.live(live)


def test_a_case_brought_to_the_panel_as_its_application_is_withdrawn_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The lead records the withdrawal (cancelling the panel's sitting that reviews only
    this application) as a holder brings its case to that sitting: the bringing waits,
    then is refused, so no conference, nor a share to any agency, stands for it."""
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        sitting = _panel(session)
        application = _met(session)
        review.convene(session, lead, PROCEDURE, application.id, sitting.id)
        session.commit()
        asked = next(r for r in application.requests if not r.locked)
        officer = Actor.of(session.get(User, asked.case.officer_id))
        case_id, sitting_id = asked.case_id, sitting.id

    def withdraw(session: Session) -> None:
        closing.record_withdrawal(
            session, lead, PROCEDURE, application.id, clock.today(), "The victim phoned"
        )

    def bring(session: Session) -> None:
        bringing_cases.bring_case(
            session,
            authorise(session, officer, case_id, Act.CONVENE),
            sitting_id,
            "ASB Case Review",
            share_days=28,
        )

    answers = _race(demo_database[0], sessions, withdraw, bring)

    assert answers == ["done", "That sitting is cancelled: select another"]
    with sessions() as session:
        assert session.get(MeetingSitting, sitting_id).cancelled
        on_it = session.scalar(
            select(func.count()).select_from(Conference).where(Conference.sitting_id == sitting_id)
        )
        assert on_it == 0
