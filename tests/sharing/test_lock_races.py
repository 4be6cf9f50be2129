"""A lock approved while an action is given to a partner on the same case, on PostgreSQL:
the approval reads the case's row under its lock, as adding an action and changing one
do, so the action (a new one, or one the case had given again to a partner) is either
saved before the lock (then held outside it: listed to the lock's members, and its
agency's managers told the case is now restricted) or refused at its field after it;
never saved, after the lock, to someone outside it, nor held by an agency the approval's
e-mail missed. Lifting a lock takes the same lock. Marking an action done takes it too:
a partner's action closed as the lock is approved is either closed first (its agency not
told) or after it (told, as it held it then), and a colleague outside the lock closing or
changing one is decided again on the case now locked.

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
from sharing.cases import actions, agency_actions, closing_actions, locks
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import NotFound
from sharing.models import (
    Action,
    Agency,
    AuditEntry,
    Case,
    LockMember,
    LockRequest,
    Notice,
    User,
)
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseStatus,
    LockReason,
    LockStatus,
    NoticeKind,
    Role,
)
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

OUTSIDE = (
    "This case is locked to named people: give the action to someone on the lock, "
    "or ask for the lock to be lifted"
)


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def _asked(sessions: sessionmaker[Session], nth: int) -> tuple[int, int, Actor, Actor]:
    """The ``nth`` open Larkmoor case never asked to be locked, on which no partner holds
    an open action, with its officer's request to lock it waiting: the case, the request,
    its officer and a manager to decide it."""
    partners_hold = select(Action.case_id).where(
        Action.status == ActionStatus.OPEN, Action.owner_agency.has(Agency.code != "larkmoor-ha")
    )
    with sessions() as session:
        case = session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="larkmoor-ha"),
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
                ~Case.id.in_(select(LockRequest.case_id)),
                ~Case.id.in_(partners_hold),
                Case.officer.has(User.active.is_(True)),
            )
            .order_by(Case.id)
        ).all()[nth]
        officer = Actor.of(session.get(User, case.officer_id))
        request = locks.request_lock(
            session,
            authorise(session, officer, case.id, Act.REQUEST_LOCK),
            LockReason.SENSITIVE,
            "Reported person is a member of staff",
        )
        session.commit()
        return case.id, request.id, officer, demo_actor(session, "larkmoor-ha", Role.MANAGER)


def _police(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(Agency.id).where(Agency.code == "northshire-police"))


def _give(case_id: int, officer: Actor, agency_id: int):
    def step(session: Session) -> None:
        actions.add_action(
            session,
            authorise(session, officer, case_id, Act.RECORD),
            actions.ActionInput(
                kind=ActionKind.PERPETRATOR_VISIT,
                description="Joint visit to the household about the noise",
                owner_agency_id=agency_id,
                due_on=clock.today() + timedelta(days=7),
            ),
        )

    return step


def _own_action(sessions: sessionmaker[Session], case_id: int, officer: Actor) -> int:
    """An open action on the case held by its own agency (nobody outside the lock)."""
    with sessions() as session:
        action = actions.add_action(
            session,
            authorise(session, officer, case_id, Act.RECORD),
            actions.ActionInput(
                kind=ActionKind.PERPETRATOR_VISIT,
                description="Joint visit to the household about the noise",
                due_on=clock.today() + timedelta(days=7),
            ),
        )
        session.commit()
        return action.id


def _give_again(case_id: int, officer: Actor, action_id: int, agency_id: int):
    """The action changed on its form to be the agency's, as it was otherwise."""

    def step(session: Session) -> None:
        actions.change_action(
            session,
            authorise(session, officer, case_id, Act.RECORD),
            action_id,
            actions.ActionInput(
                kind=ActionKind.PERPETRATOR_VISIT,
                description="Joint visit to the household about the noise",
                owner_agency_id=agency_id,
                due_on=clock.today() + timedelta(days=7),
            ),
        )

    return step


def _decide(request_id: int, manager: Actor):
    def step(session: Session) -> None:
        locks.decide_lock(session, manager, request_id, approve=True)

    return step


def _partners_actions(sessions: sessionmaker[Session], case_id: int, agency_id: int) -> list[int]:
    with sessions() as session:
        return list(
            session.scalars(
                select(Action.id).where(
                    Action.case_id == case_id,
                    Action.owner_agency_id == agency_id,
                    Action.status == ActionStatus.OPEN,
                )
            )
        )


def _held_outside(sessions: sessionmaker[Session], case_id: int, member: Actor) -> list[int]:
    """The actions the case's page lists to a lock member as held outside the lock."""
    with sessions() as session:
        authorised = authorise(session, member, case_id, Act.VIEW)
        return [h.id for h in locks.held_outside_lock(session, authorised)]


def _told(sessions: sessionmaker[Session], request_id: int) -> set[int]:
    with sessions() as session:
        return set(
            session.scalars(
                select(Notice.user_id).where(
                    Notice.kind == NoticeKind.ACTION_RESTRICTED,
                    Notice.path == f"/actions?restricted={request_id}#restricted-{request_id}",
                )
            )
        )


def _police_managers(sessions: sessionmaker[Session], agency_id: int) -> set[int]:
    with sessions() as session:
        return {
            u.id
            for u in session.scalars(select(User).where(User.agency_id == agency_id, User.active))
            if Role.MANAGER in u.roles
        }


def test_an_action_given_to_a_partner_as_the_lock_is_approved_is_refused_at_its_field(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    case_id, request_id, officer, manager = _asked(sessions, 0)
    police = _police(sessions)
    answers = _race(
        demo_database[0], sessions, _decide(request_id, manager), _give(case_id, officer, police)
    )
    assert answers == ["done", OUTSIDE]
    assert _partners_actions(sessions, case_id, police) == []
    assert _held_outside(sessions, case_id, manager) == []
    assert _told(sessions, request_id) == set()


def test_an_action_given_to_a_partner_as_the_lock_is_approved_is_held_outside_the_lock(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The approval waits for the action being given, then locks the case with the action
    on it: the lock's members see it held outside the lock, and the police are told."""
    case_id, request_id, officer, manager = _asked(sessions, 1)
    police = _police(sessions)
    answers = _race(
        demo_database[0], sessions, _give(case_id, officer, police), _decide(request_id, manager)
    )
    assert answers == ["done", "done"]
    given = _partners_actions(sessions, case_id, police)
    assert len(given) == 1
    assert _held_outside(sessions, case_id, manager) == given
    assert _told(sessions, request_id) == _police_managers(sessions, police)
    with sessions() as session:
        assert session.get(Case, case_id).locked
        assert session.get(LockRequest, request_id).status is LockStatus.APPROVED


def test_an_action_given_again_to_a_partner_as_the_lock_is_approved_is_told_to_its_managers(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The approval waits for the change giving the case's own action to the police, then
    reads the actions' agencies with it saved: the police's managers are told, and the
    lock's members see it held outside the lock."""
    case_id, request_id, officer, manager = _asked(sessions, 3)
    police = _police(sessions)
    action_id = _own_action(sessions, case_id, officer)
    answers = _race(
        demo_database[0],
        sessions,
        _give_again(case_id, officer, action_id, police),
        _decide(request_id, manager),
    )
    assert answers == ["done", "done"]
    assert _partners_actions(sessions, case_id, police) == [action_id]
    assert _held_outside(sessions, case_id, manager) == [action_id]
    assert _told(sessions, request_id) == _police_managers(sessions, police)
    with sessions() as session:
        assert session.get(Case, case_id).locked


def test_an_action_given_again_to_a_partner_as_the_lock_is_approved_is_refused_at_its_field(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The change waits for the approval, then finds the case locked: the police are
    outside the lock, so the action stays with the case's own agency, and no one is told."""
    case_id, request_id, officer, manager = _asked(sessions, 4)
    police = _police(sessions)
    action_id = _own_action(sessions, case_id, officer)
    answers = _race(
        demo_database[0],
        sessions,
        _decide(request_id, manager),
        _give_again(case_id, officer, action_id, police),
    )
    assert answers == ["done", OUTSIDE]
    assert _partners_actions(sessions, case_id, police) == []
    assert _held_outside(sessions, case_id, manager) == []
    assert _told(sessions, request_id) == set()
    with sessions() as session:
        assert (
            session.get(Action, action_id).owner_agency_id == session.get(Case, case_id).agency_id
        )


def test_lifting_a_lock_waits_for_an_action_being_given_on_the_lock(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Lifting a lock takes the case's row too: an action given to someone on the lock at
    the same moment is saved first, and the lock lifted after it, both as asked."""
    case_id, request_id, officer, manager = _asked(sessions, 2)
    with sessions() as session:
        locks.decide_lock(session, manager, request_id, approve=True)
        session.commit()
        unlock = locks.request_lock(
            session,
            authorise(session, officer, case_id, Act.REQUEST_LOCK),
            None,
            "The staff member has left the organisation",
            unlock=True,
        )
        session.commit()
        own = session.get(Case, case_id).agency_id

    def lift(session: Session) -> None:
        locks.decide_lock(session, manager, unlock.id, approve=True)

    answers = _race(demo_database[0], sessions, _give(case_id, officer, own), lift)
    assert answers == ["done", "done"]
    with sessions() as session:
        assert not session.get(Case, case_id).locked
        assert not session.scalars(select(LockMember).where(LockMember.case_id == case_id)).all()
    assert len(_partners_actions(sessions, case_id, own)) == 1


def _given_to_police(sessions: sessionmaker[Session], case_id: int, officer: Actor) -> int:
    """An open action on the case given to the police before any lock."""
    with sessions() as session:
        _give(case_id, officer, _police(sessions))(session)
        session.commit()
    (action_id,) = _partners_actions(sessions, case_id, _police(sessions))
    return action_id


def _close(action_id: int, closer: Actor):
    def step(session: Session) -> None:
        closing_actions.close_action(
            session, closer, action_id, done=True, note="Visited the household with the officer"
        )

    return step


def _status(sessions: sessionmaker[Session], action_id: int) -> ActionStatus:
    with sessions() as session:
        return session.get(Action, action_id).status


def test_an_action_its_partner_marks_done_as_the_lock_is_approved_is_not_told_of(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """The approval waits for the police marking their action done, then finds no open
    action of theirs on the case: the police are not e-mailed about a case that, for them,
    holds nothing any more, and nothing is held outside the lock."""
    case_id, request_id, officer, manager = _asked(sessions, 5)
    action_id = _given_to_police(sessions, case_id, officer)
    with sessions() as session:
        sergeant = demo_actor(session, "northshire-police", Role.MANAGER)
    answers = _race(
        demo_database[0], sessions, _close(action_id, sergeant), _decide(request_id, manager)
    )
    assert answers == ["done", "done"]
    assert _status(sessions, action_id) is ActionStatus.DONE
    assert _told(sessions, request_id) == set()
    assert _held_outside(sessions, case_id, manager) == []
    with sessions() as session:
        assert session.get(Case, case_id).locked


def test_an_action_its_partner_marks_done_as_the_lock_is_approved_waits_then_is_done(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Marking it done waits for the approval (which tells the police, holding it open),
    then goes ahead on the case now restricted, as a partner may close its action there."""
    case_id, request_id, officer, manager = _asked(sessions, 6)
    action_id = _given_to_police(sessions, case_id, officer)
    police = _police(sessions)
    with sessions() as session:
        sergeant = demo_actor(session, "northshire-police", Role.MANAGER)
    answers = _race(
        demo_database[0], sessions, _decide(request_id, manager), _close(action_id, sergeant)
    )
    assert answers == ["done", "done"]
    assert _status(sessions, action_id) is ActionStatus.DONE
    assert _told(sessions, request_id) == _police_managers(sessions, police)
    assert _held_outside(sessions, case_id, manager) == []
    with sessions() as session:
        assert session.get(Case, case_id).locked


def test_an_action_a_colleague_outside_the_lock_marks_done_as_it_is_approved_is_not_found(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Marking it done waits for the approval, then is decided again on the case as it
    now stands: locked, to people the colleague is not one of, so for them the action is
    not there (recorded), and it stays open for the lock's members."""
    case_id, request_id, officer, manager = _asked(sessions, 7)
    action_id = _own_action(sessions, case_id, officer)
    with sessions() as session:
        colleague = next(
            Actor.of(user)
            for user in session.scalars(
                select(User).where(User.agency.has(code="larkmoor-ha"), User.active)
            )
            if Role.CASE_OFFICER in user.roles
            and user.id != officer.user_id
            and user.team == officer.team  # who works the case with them
        )
        assert agency_actions.closable(session, colleague, action_id).id == action_id
    refused: list[str] = []

    def close(session: Session) -> None:
        try:
            _close(action_id, colleague)(session)
        except NotFound:
            refused.append("not found")

    answers = _race(demo_database[0], sessions, _decide(request_id, manager), close)
    assert answers == ["done", "done"]
    assert refused == ["not found"]
    assert _status(sessions, action_id) is ActionStatus.OPEN
    with sessions() as session:
        assert session.get(Case, case_id).locked


def test_an_action_a_colleague_outside_the_lock_changes_as_it_is_approved_is_not_found(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """Changing it on its form waits for the approval, then is decided again on the case
    as it now stands: locked, to people the colleague is not one of, so for them the
    case is not there (recorded), and the action stays as it was."""
    case_id, request_id, officer, manager = _asked(sessions, 8)
    action_id = _own_action(sessions, case_id, officer)
    with sessions() as session:
        colleague = next(
            Actor.of(user)
            for user in session.scalars(
                select(User).where(User.agency.has(code="larkmoor-ha"), User.active)
            )
            if Role.CASE_OFFICER in user.roles
            and user.id != officer.user_id
            and user.team == officer.team  # who works the case with them
        )
        assert authorise(session, colleague, case_id, Act.RECORD).case.id == case_id
        due = session.get(Action, action_id).due_on
    refused: list[str] = []

    def change(session: Session) -> None:
        try:
            actions.change_action(
                session,
                authorise(session, colleague, case_id, Act.RECORD),
                action_id,
                actions.ActionInput(
                    kind=ActionKind.PERPETRATOR_VISIT,
                    description="Joint visit to the household about the noise",
                    due_on=clock.today() + timedelta(days=21),
                ),
            )
        except NotFound:
            refused.append("not found")

    answers = _race(demo_database[0], sessions, _decide(request_id, manager), change)
    assert answers == ["done", "done"]
    assert refused == ["not found"]
    with sessions() as session:
        assert session.get(Action, action_id).due_on == due
        assert session.get(Case, case_id).locked
        refusal = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor_user_id == colleague.user_id)
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert refusal is not None
        assert refusal.outcome == "refused"
