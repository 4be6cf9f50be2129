"""The lead's page names the appeal body inside its sentence as the letters do ("the
applicant may ask the Office of the Northshire Police and Crime Commissioner to look at it
again"), where it read "may ask The Office of …": the procedure file names the body as
it starts a sentence."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.models import TriggerApplication
from sharing.trigger import applications, input_checks, letter_days
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_user
from tests.hub.test_trigger_letters_posted import _lead
from tests.sharing.trigger.test_complaints import PROCEDURE

BODY = "the Office of the Northshire Police and Crime Commissioner"


def not_met(session: Session) -> tuple[Actor, TriggerApplication]:
    """An application received today by phone that the lead decided "not met"; the lead."""
    lead = Actor.of(demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    application = applications.record_application(
        session,
        lead,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name="Nobody-Known",
            victim_address="Flat 2, 7 Test Row",
            problem="Music every night until three",
        ),
    )
    applications.decide(session, lead, PROCEDURE, application.id, "not_met", "One only")
    return lead, application


def test_the_page_of_a_not_met_decision_names_the_appeal_body_inside_its_sentence(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = not_met(demo_session)
    demo_session.commit()
    page = _lead(demo_hub, demo_session).get(f"/trigger/{application.id}").get_data(as_text=True)
    assert f"The applicant may ask {BODY} to look at it again by" in page
    assert "ask The Office" not in page


def test_the_page_of_an_outcome_past_its_time_to_appeal_names_the_body_inside_its_sentence(
    demo_hub: Flask, demo_session: Session
) -> None:
    procedure = demo_hub.extensions["hub.trigger_procedure"]
    concluded = [
        a
        for a in demo_session.scalars(
            select(TriggerApplication).where(
                TriggerApplication.outcome_on.is_not(None),
                TriggerApplication.appeal_received_on.is_(None),
                TriggerApplication.erased_at.is_(None),
            )
        )
        if (last := letter_days.appeal_by(a, procedure)) and last < clock.today()
    ]
    assert concluded, "the demo has an outcome whose time to appeal has passed"
    client = _lead(demo_hub, demo_session)
    page = client.get(f"/trigger/{concluded[0].id}").get_data(as_text=True)
    assert f"The applicant could ask {BODY} to look at it again until" in page
    assert "ask The Office" not in page
