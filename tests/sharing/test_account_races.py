"""Two administrators of an agency looking after its accounts at the same moment, on
SQLite and PostgreSQL: each act is done whole, one after the other, and none fails."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import accounts, agency_accounts
from sharing.access.decide import Actor
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import NotAllowed
from sharing.models import Agency, AuditEntry, AuditQueued, User
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST

PASSWORD = "a long pass phrase nobody guesses 42"


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Two administrators and a case officer of the demo's first agency, by name."""
    made = {}
    with sessions() as session:
        agency = session.scalars(select(Agency).order_by(Agency.id)).first()
        for name, role in (
            ("ada", Role.ADMINISTRATOR),
            ("abe", Role.ADMINISTRATOR),
            ("oli", Role.CASE_OFFICER),
        ):
            made[name] = accounts.create_user(
                session,
                agency=agency,
                email=f"{name}.racing@larkmoor-ha.example",
                display_name=f"{name.title()} Racing",
                roles={role},
                password=PASSWORD,
            ).id
        session.commit()
    return made


def _together(
    sessions: sessionmaker[Session], acts: list[Callable[[Session], object]]
) -> list[object]:
    """Each of ``acts`` in a request of its own, all at the same moment, each having
    read the accounts before any writes; what each answered (or raised)."""
    start = threading.Barrier(len(acts), timeout=60)
    answers: list[object] = []

    def request(act: Callable[[Session], object]) -> None:
        with sessions() as session:
            for user in session.scalars(select(User)):
                _ = user.roles, user.active  # read, as the page read them
            start.wait()
            try:
                answers.append(act(session))
                session.commit()
            except Exception as e:  # noqa: BLE001  # what the request would have shown
                session.rollback()
                answers.append(e)

    threads = [threading.Thread(target=request, args=(act,)) for act in acts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == len(acts), "a request did not finish"
    return answers


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def _change(by: int, whom: int, roles: set[Role]) -> Callable[[Session], object]:
    def act(session: Session) -> object:
        admin, user = _account(session, by), _account(session, whom)
        return agency_accounts.change_roles(session, user, roles, None, by=Actor.of(admin))

    return act


def _disable(by: int, whom: int) -> Callable[[Session], object]:
    def act(session: Session) -> object:
        admin, user = _account(session, by), _account(session, whom)
        agency_accounts.set_active(session, user, False, by=Actor.of(admin))
        return "disabled"

    return act


def _bases(sessions: sessionmaker[Session], action: str, user_id: int) -> list[str]:
    """The bases of the allowed ``action`` entries about the user, in the log's order
    (those still queued after those in the log)."""
    with sessions() as session:
        return [
            basis or ""
            for table, order in ((AuditEntry, AuditEntry.seq), (AuditQueued, AuditQueued.id))
            for basis in session.scalars(
                select(table.basis)
                .where(
                    table.action == action,
                    table.outcome == "allowed",
                    table.object_id == str(user_id),
                )
                .order_by(order)
            )
        ]


def test_two_administrators_changing_one_persons_roles_at_once_each_change_them_whole(
    sessions: sessionmaker[Session], people: dict[str, int]
) -> None:
    answers = _together(
        sessions,
        [
            _change(people["ada"], people["oli"], {Role.MANAGER, Role.CASE_OFFICER}),
            _change(people["abe"], people["oli"], {Role.MANAGER, Role.ANALYST}),
        ],
    )

    assert answers == [True, True]
    with sessions() as session:
        oli = session.get(User, people["oli"])
        assert oli is not None
        now = oli.roles
    assert now in ({Role.MANAGER, Role.CASE_OFFICER}, {Role.MANAGER, Role.ANALYST})
    # The log tells the changes one after the other: the second starts from the first.
    first, second = _bases(sessions, "account.roles", people["oli"])
    assert first.startswith("roles case_officer to ")
    assert second.startswith(f"roles {first.removeprefix('roles case_officer to ')} to ")
    assert second.endswith(",".join(sorted(r.value for r in now)))


def test_two_administrators_disabling_each_other_at_once_leave_one_of_them_active(
    sessions: sessionmaker[Session], people: dict[str, int]
) -> None:
    answers = _together(
        sessions,
        [_disable(people["ada"], people["abe"]), _disable(people["abe"], people["ada"])],
    )

    assert answers.count("disabled") == 1
    [refused] = [a for a in answers if a != "disabled"]
    assert isinstance(refused, NotAllowed)
    with sessions() as session:
        active = [session.get(User, people[name]).active for name in ("ada", "abe")]
    assert sorted(active) == [False, True]
