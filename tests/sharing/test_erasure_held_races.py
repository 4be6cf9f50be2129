"""A manager erasing a closed case at the moment the Community Trigger lead asks its
agency to bring it to a case review, on PostgreSQL: whichever comes first wins, and the
other, waiting for the case's lock, sees it. The erasure first: the case is erased and
the review does not ask about it. The asking first: the erasure is refused naming the
application, and the case stays for the review. Without the lock both would go ahead,
leaving a review asking about a case nobody can read.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import erasure
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.errors import NotAllowed
from sharing.models import Case, TriggerCaseRequest
from sharing.trigger import review
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.databases import waiting_for_a_lock
from tests.fixtures.demo import demo_actor
from tests.fixtures.races import PATIENCE_SECONDS
from tests.hub.test_trigger_review import _met
from tests.sharing.trigger.test_complaints import PROCEDURE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

Step = Callable[[Session], None]


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def _to_be_asked(sessions: sessionmaker[Session]) -> tuple[int, int, Actor, Actor]:
    """A met application, and a case (not locked, asked about by no other application)
    that asking the holders would ask about, closed by its agency's manager: the
    application's id, the case's, the lead and the manager."""
    with sessions() as session:
        application = _met(session)
        lead = demo_actor(session, PROCEDURE.lead, Role.TRIGGER_LEAD)
        review.ask_holders(session, lead, PROCEDURE, application.id)
        asked = session.scalars(
            select(Case)
            .join(TriggerCaseRequest, TriggerCaseRequest.case_id == Case.id)
            .where(TriggerCaseRequest.application_id == application.id, Case.locked.is_(False))
            .order_by(Case.id)
        ).all()
        case_id = next(c.id for c in asked if len(erasure.reviews_holding(session, c.id)) == 1)
        session.rollback()  # nothing asked yet
        case = session.get_one(Case, case_id)
        manager = demo_actor(session, case.agency.code, Role.MANAGER)
        close_for_erasure(session, manager, case_id)
        session.commit()
        return application.id, case_id, lead, manager


def _race(engine: Engine, sessions: sessionmaker[Session], first: Step, second: Step) -> list[str]:
    """``first`` and ``second`` each in its own transaction, the second while the first's
    is still open; what each was answered ("done", or the refusal), in that order."""
    first_taken, second_over, let_go = threading.Event(), threading.Event(), threading.Event()
    answers = ["", ""]

    def take(index: int, step: Step) -> None:
        with sessions() as session:
            try:
                step(session)
                answers[index] = "done"
            except NotAllowed as refused:
                answers[index] = str(refused)
            finally:
                (second_over if index else first_taken).set()
            if index == 0:
                let_go.wait(PATIENCE_SECONDS)
            session.commit()

    threads = [threading.Thread(target=take, args=pair) for pair in enumerate((first, second))]
    threads[0].start()
    assert first_taken.wait(PATIENCE_SECONDS)
    threads[1].start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not (second_over.is_set() or waiting_for_a_lock(engine)):
        assert time.monotonic() < deadline, "the second step neither waited nor ended"
        time.sleep(0.01)
    let_go.set()
    for thread in threads:
        thread.join(PATIENCE_SECONDS)
    return answers


def _steps(application_id: int, case_id: int, lead: Actor, manager: Actor) -> tuple[Step, Step]:
    def erase(session: Session) -> None:
        erasure.erase_case(session, authorise(session, manager, case_id, Act.ERASE))

    def ask(session: Session) -> None:
        review.ask_holders(session, lead, PROCEDURE, application_id)

    return erase, ask


def _requested(session: Session, application_id: int, case_id: int) -> bool:
    return (
        session.scalar(
            select(TriggerCaseRequest.id).where(
                TriggerCaseRequest.application_id == application_id,
                TriggerCaseRequest.case_id == case_id,
            )
        )
        is not None
    )


def test_erased_first_the_review_does_not_ask_about_the_case(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    application_id, case_id, lead, manager = _to_be_asked(sessions)
    erase, ask = _steps(application_id, case_id, lead, manager)

    assert _race(demo_database[0], sessions, erase, ask) == ["done", "done"]
    with sessions() as session:
        assert session.get_one(Case, case_id).erased_at is not None
        assert not _requested(session, application_id, case_id)


def test_asked_first_the_erasure_is_refused_naming_the_application(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    application_id, case_id, lead, manager = _to_be_asked(sessions)
    erase, ask = _steps(application_id, case_id, lead, manager)

    answers = _race(demo_database[0], sessions, ask, erase)

    with sessions() as session:
        reference = erasure.reviews_holding(session, case_id)[0][1]
        assert answers == ["done", erasure.UNDER_REVIEW.format(reference=reference)]
        assert session.get_one(Case, case_id).erased_at is None
        assert _requested(session, application_id, case_id)
