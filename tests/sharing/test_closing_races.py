"""A case closed while someone works one of its actions, on PostgreSQL: an action added
as the case closes is either closed with it or refused, never left open on a closed case;
an action marked done as the case closes stays done, not closed with the case.

As in ``test_steps_taken_once``, the first step's transaction stays open until the second
waits for it (or, had it not waited, has done its step too)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions, closing, closing_actions
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import Action, Case, User
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
)
from tests.fixtures.app import TEST_COST
from tests.sharing.test_steps_taken_once import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def _open_case(session: Session) -> tuple[int, Actor]:
    case = session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    )
    return case.id, Actor.of(session.get(User, case.officer_id))


def _close(case_id: int, officer: Actor):
    def step(session: Session) -> None:
        closing.close_case(
            session,
            authorise(session, officer, case_id, Act.CLOSE),
            ClosureReason.NO_CONTACT,
            outcome=ClosureOutcome.NOT_RESOLVED,
        )

    return step


def _add(case_id: int, officer: Actor):
    def step(session: Session) -> None:
        actions.add_action(
            session,
            authorise(session, officer, case_id, Act.RECORD),
            actions.ActionInput(
                kind=ActionKind.MEDIATION,
                description="Refer both households to mediation",
                due_on=clock.today() + timedelta(days=7),
            ),
        )

    return step


def _open_actions(sessions: sessionmaker[Session], case_id: int) -> list[Action]:
    with sessions() as session:
        return list(
            session.scalars(
                select(Action).where(Action.case_id == case_id, Action.status == ActionStatus.OPEN)
            )
        )


def test_an_action_added_as_the_case_closes_is_refused(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case_id, officer = _open_case(session)
    answers = _race(demo_database[0], sessions, _close(case_id, officer), _add(case_id, officer))
    assert answers[0] == "done"
    assert "closed after you opened this form" in answers[1]
    assert _open_actions(sessions, case_id) == []


def test_a_case_closed_as_an_action_is_added_closes_it_too(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case_id, officer = _open_case(session)
    answers = _race(demo_database[0], sessions, _add(case_id, officer), _close(case_id, officer))
    assert answers == ["done", "done"]
    assert _open_actions(sessions, case_id) == []
    with sessions() as session:
        added = session.scalar(
            select(Action).where(Action.case_id == case_id).order_by(Action.id.desc())
        )
        assert added.closed_with_case


def test_an_action_marked_done_as_the_case_closes_stays_done(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case_id, officer = _open_case(session)
        _add(case_id, officer)(session)
        session.commit()
        action_id = session.scalar(
            select(Action.id).where(Action.case_id == case_id).order_by(Action.id.desc())
        )

    def mark_done(session: Session) -> None:
        closing_actions.close_action(
            session, officer, action_id, done=True, note="Both households agreed to mediation"
        )

    answers = _race(demo_database[0], sessions, mark_done, _close(case_id, officer))
    assert answers == ["done", "done"]
    with sessions() as session:
        action = session.get(Action, action_id)
        assert action.status is ActionStatus.DONE
        assert not action.closed_with_case
        assert session.get(Case, case_id).status is CaseStatus.CLOSED
    assert _open_actions(sessions, case_id) == []
