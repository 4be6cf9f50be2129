"""Two leads sending a corrected copy of the same letter at the same moment, on PostgreSQL
(the button pressed on two screens): the first is queued; the second waits for it, then
is refused as a copy already waiting, with nothing written but its refusal. Without the
wait both copies would be queued and the applicant would get the letter twice.

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
from sharing.trigger import applications, corrected_letters, input_checks
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
from tests.sharing.test_steps_taken_once import _entries, _race
from tests.sharing.trigger.test_complaints import PROCEDURE, _repeat_victim

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


def test_two_leads_sending_a_corrected_copy_at_once_queue_one(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        victim, _ = _repeat_victim(session)
        application = applications.record_application(
            session,
            lead,
            PROCEDURE,
            input_checks.ApplicationInput(
                received_on=clock.today(),
                channel="phone",
                victim_kind="person",
                victim_family_name=victim.family_name,
                victim_email="robin.race@example.org",
                problem="Shouting and threats on the stairs",
            ),
        )
        # Its acknowledgement went, then the address it went to was corrected.
        (acknowledgement,) = session.scalars(
            select(TriggerLetter).where(TriggerLetter.application_id == application.id)
        )
        acknowledgement.sent_at = acknowledgement.superseded_at = clock.now()
        session.commit()

    def sending(actor):
        return lambda s: corrected_letters.send_corrected_copy(
            s, actor, PROCEDURE, application.id, KIND
        )

    answers = _race(demo_database[0], sessions, sending(lead), sending(manager))

    assert answers == ["done", corrected_letters.COPY_WAITING.format(letter=KIND.label)]
    with sessions() as session:
        copies = session.scalars(
            select(TriggerLetter.copy).where(TriggerLetter.application_id == application.id)
        ).all()
        assert sorted(copies) == [0, 1]
        subject = ("trigger_application", application.id)
        assert _entries(session, acts.Action.TRIGGER_LETTER, *subject) == 1
        refused = _entries(session, acts.Action.TRIGGER_LETTER, *subject, acts.Outcome.REFUSED)
        assert refused == 1
