"""Two leads marking the same printed letter as posted at the same moment, on PostgreSQL
(the button pressed on two screens): the first records it; the second waits for it, then
is refused saying when it was posted, with nothing written but its refusal. Without the
wait the letter would be recorded posted twice, by two people.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from sharing import clock
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import TriggerLetter
from sharing.trigger import applications, input_checks, posting
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import _entries, _race
from tests.sharing.trigger.test_complaints import PROCEDURE

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]

LEAD = "northshire-csp"
KIND = LetterKind.ACKNOWLEDGEMENT


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def test_two_leads_marking_a_letter_posted_at_once_record_it_once(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        application = applications.record_application(
            session,
            lead,
            PROCEDURE,
            input_checks.ApplicationInput(
                received_on=clock.today(),
                channel="letter",
                victim_kind="person",
                victim_family_name="Racer",
                victim_address="Flat 6, 1 Post Row",
                problem="Shouting and threats on the stairs",
            ),
        )
        session.commit()

    def marking(actor):
        return lambda s: posting.mark_posted(s, actor, PROCEDURE, application.id, KIND)

    answers = _race(demo_database[0], sessions, marking(lead), marking(manager))

    assert answers[0] == "done"
    assert f'The letter "{KIND.label}" was marked as posted on' in answers[1]
    with sessions() as session:
        (letter,) = session.scalars(
            select(TriggerLetter).where(TriggerLetter.application_id == application.id)
        )
        assert letter.posted_by_id == lead.user_id
        action = acts.Action.TRIGGER_LETTER_POSTED
        subject = ("trigger_application", application.id)
        assert _entries(session, action, *subject) == 1
        assert _entries(session, action, *subject, acts.Outcome.REFUSED) == 1
