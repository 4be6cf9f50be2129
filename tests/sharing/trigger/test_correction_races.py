"""Two leads correcting one Community Trigger application's details at the same moment,
on PostgreSQL, each from a form opened before either saved: the first is saved; the
second waits for it, then is refused as changed meanwhile, with nothing written but its
refusal. Without the wait both would be saved, the second silently undoing the first.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sharing import stamps
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import TriggerApplication
from sharing.trigger import corrections, handling, input_checks
from sharing.vocabulary import Role, TriggerChannel
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor
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


def test_two_leads_correcting_at_once_are_taken_one_after_the_other(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        application = _phoned_by_a_repeat_victim(session, lead)
        session.commit()
        opened = stamps.of(session, application)
        details = reveal(handling.LEAD, application, corrections.CORRECTED)

    def correcting(actor, phone: str):
        data = input_checks.ApplicationInput(
            received_on=None,
            channel="phone",
            victim_kind="",
            victim_family_name=details["victim_family_name"] or "",
            victim_date_of_birth=None,
            victim_address=details["victim_address"] or "",
            victim_phone=phone,
            problem=details["problem"] or "",
        )
        return lambda s: corrections.correct(
            s, actor, PROCEDURE, application.id, data, opened=opened
        )

    answers = _race(
        demo_database[0],
        sessions,
        correcting(lead, "07700 900111"),
        correcting(manager, "07700 900222"),
    )

    assert answers == ["done", "Someone changed this after you opened it"]
    with sessions() as session:
        corrected = session.get(TriggerApplication, application.id)
        phone = reveal(handling.LEAD, corrected, ("victim_phone",))["victim_phone"]
        assert phone is not None
        assert phone.replace(" ", "").endswith("900111")
        subject = ("trigger_application", application.id)
        assert _entries(session, acts.Action.TRIGGER_CORRECT, *subject) == 1
        refused = _entries(session, acts.Action.TRIGGER_CORRECT, *subject, acts.Outcome.REFUSED)
        assert refused == 1


def test_two_leads_correcting_who_applied_and_how_it_came_at_once_keep_the_first(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    """One lead corrects how it came while another records that the victim's aunt applied
    for them: the second waits, then is refused, so the first's channel is not undone nor
    the aunt recorded on a form that never saw it."""
    with sessions() as session:
        lead = demo_actor(session, LEAD, Role.TRIGGER_LEAD)
        manager = demo_actor(session, LEAD, Role.MANAGER)
        application = _phoned_by_a_repeat_victim(session, lead)
        session.commit()
        opened = stamps.of(session, application)
        details = reveal(handling.LEAD, application, corrections.CORRECTED)

    def correcting(actor, **choices: object):
        data = input_checks.ApplicationInput(
            received_on=None,
            victim_kind="",
            victim_family_name=details["victim_family_name"] or "",
            victim_address=details["victim_address"] or "",
            problem=details["problem"] or "",
            **{"channel": "phone", **choices},  # type: ignore[arg-type]
        )
        return lambda s: corrections.correct(
            s, actor, PROCEDURE, application.id, data, opened=opened
        )

    answers = _race(
        demo_database[0],
        sessions,
        correcting(lead, channel="letter"),
        correcting(
            manager,
            on_behalf="family",
            applicant_name="Jo Aunt",
            applicant_contact="07700 900333",
            applicant_address="1 Test Row",
            consent_recorded=True,
        ),
    )

    assert answers == ["done", "Someone changed this after you opened it"]
    with sessions() as session:
        corrected = session.get_one(TriggerApplication, application.id)
        assert corrected.channel is TriggerChannel.LETTER
        assert corrected.on_behalf is None
        assert not corrected.consent_recorded
