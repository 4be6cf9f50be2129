"""Two officers acting on one person at the same moment, on PostgreSQL: someone on two
cases taken off both at once, and someone taken off their last case (or erased with it)
while another officer links them to a case. A person then held by no case is erased, as one taken off alone
is; a person linked is never one erased meanwhile. Without a lock on the person, each
would read the other's case as still holding them: neither erased them (their record
kept for no case, unseen by anyone), or the link went to a record being erased.

Each race holds the first step's transaction open until the second waits for a lock (or,
had it not waited, has taken its step too), as ``test_steps_taken_once`` does."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import people
from sharing.cases.erasure import erase_case
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import BlindIndex, Case, CaseParty, Person
from sharing.vocabulary import PartyRole, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, open_cases
from tests.sharing.test_steps_taken_once import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def _witness_on_two_cases(sessions: sessionmaker[Session]) -> tuple[Actor, int, int, int]:
    """A manager of the agency, two of its open cases and a new witness on both of them
    only (added to the first, then linked to the second)."""
    with sessions() as session:
        first, second = open_cases(session, "larkmoor-ha")[:2]
        manager = demo_actor(session, "larkmoor-ha", Role.MANAGER)
        party = people.add_person(
            session,
            authorise(session, manager, first.id, Act.RECORD),
            people.PersonInput(role=PartyRole.WITNESS, family_name="Twocases"),
        )
        people.add_person(
            session,
            authorise(session, manager, second.id, Act.RECORD),
            people.PersonInput(role=PartyRole.WITNESS),
            known_person_id=party.person_id,
        )
        session.commit()
        return manager, first.id, second.id, party.person_id


def _take_off(manager: Actor, case_id: int, person_id: int):
    def step(session: Session) -> None:
        party = session.scalar(
            select(CaseParty).where(CaseParty.case_id == case_id, CaseParty.person_id == person_id)
        )
        people.remove_person(session, authorise(session, manager, case_id, Act.RECORD), party.id)

    return step


def test_someone_taken_off_their_two_cases_at_once_is_erased(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
) -> None:
    manager, first, second, person_id = _witness_on_two_cases(sessions)

    answers = _race(
        demo_database[0],
        sessions,
        _take_off(manager, first, person_id),
        _take_off(manager, second, person_id),
    )

    assert answers == ["done", "done"]
    with sessions() as session:
        assert not session.scalars(select(CaseParty).where(CaseParty.person_id == person_id)).all()
        person = session.get(Person, person_id)
        assert person.erased_at is not None
        assert person.data_key.wrapped is None
        assert not session.scalars(
            select(BlindIndex).where(BlindIndex.person_id == person_id)
        ).all()


def test_someone_linked_to_a_case_as_their_last_is_taken_off_is_kept(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
) -> None:
    manager, first, second, person_id = _witness_on_two_cases(sessions)
    with sessions() as session:  # on one case only, the first
        _take_off(manager, second, person_id)(session)
        session.commit()
        third = open_cases(session, "larkmoor-ha")[2].id

    def link(session: Session) -> None:
        people.add_person(
            session,
            authorise(session, manager, third, Act.RECORD),
            people.PersonInput(role=PartyRole.WITNESS),
            known_person_id=person_id,
        )

    answers = _race(demo_database[0], sessions, _take_off(manager, first, person_id), link)

    with sessions() as session:
        person = session.get(Person, person_id)
        on = {
            p.case_id
            for p in session.scalars(select(CaseParty).where(CaseParty.person_id == person_id))
        }
        # Either the link came after the erasure and was refused, or it was made first and
        # the person was kept for it: never a case holding an erased record.
        if person.erased_at is not None:
            assert answers == ["done", "Select a person your agency holds"]
            assert on == set()
        else:
            assert answers == ["done", "done"]
            assert on == {third}
        assert session.get(Case, third).erased_at is None


def test_someone_linked_to_a_case_as_their_only_case_is_erased_with_its_people_is_kept(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
) -> None:
    """A manager erases a closed case with the people it alone holds while an officer links
    one of them to a live case: the erasure reads them as held alone before the link
    commits, so without a lock on each person it erased them after the link had made them
    someone's on the live case (a case holding an erased record)."""
    manager, first, second, person_id = _witness_on_two_cases(sessions)
    with sessions() as session:  # on the first case only, which is closed
        _take_off(manager, second, person_id)(session)
        close_for_erasure(session, manager, first)
        session.commit()

    def link(session: Session) -> None:
        people.add_person(
            session,
            authorise(session, manager, second, Act.RECORD),
            people.PersonInput(role=PartyRole.WITNESS),
            known_person_id=person_id,
        )

    def erase(session: Session) -> None:
        erase_case(session, authorise(session, manager, first, Act.ERASE), with_people=True)

    answers = _race(demo_database[0], sessions, link, erase)

    assert answers == ["done", "done"]
    with sessions() as session:
        assert session.get(Case, first).erased_at is not None
        assert session.get(Person, person_id).erased_at is None
        assert {
            p.case_id
            for p in session.scalars(select(CaseParty).where(CaseParty.person_id == person_id))
        } == {first, second}


def test_someone_taken_off_their_last_live_case_as_their_closed_one_is_erased_is_erased(
    demo_database: tuple[Engine, LocalKeyring],
    sessions: sessionmaker[Session],
) -> None:
    """An officer takes someone off their live case while a manager erases their other,
    closed, case with the people it alone holds: each read the other's case as still
    holding them, so neither erased them, and their record was kept for no case."""
    manager, first, second, person_id = _witness_on_two_cases(sessions)
    with sessions() as session:
        close_for_erasure(session, manager, first)
        session.commit()

    def erase(session: Session) -> None:
        erase_case(session, authorise(session, manager, first, Act.ERASE), with_people=True)

    answers = _race(demo_database[0], sessions, _take_off(manager, second, person_id), erase)

    assert answers == ["done", "done"]
    with sessions() as session:
        person = session.get(Person, person_id)
        assert person.erased_at is not None
        assert person.data_key.wrapped is None
