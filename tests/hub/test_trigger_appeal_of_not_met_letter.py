"""The letter of the appeal body's decision on an appeal against a "not met" decision says
what was appealed, the decision not to review the case, and what the appeal body decided
of that decision ("Not upheld: the decision was made properly"), where it told the
applicant their appeal was "about the review of your application" and "the review was
carried out properly": no review was ever carried out. An appeal of a review's outcome
reads as before."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.models import TriggerApplication
from sharing.trigger import review_outcome
from sharing.trigger.workdays import england_and_wales
from tests.hub.test_trigger_appeal_body_in_sentence import not_met
from tests.hub.test_trigger_letters_posted import _lead
from tests.sharing.trigger.test_complaints import PROCEDURE


def _not_met_and_appealed(session: Session) -> tuple[Actor, TriggerApplication]:
    """An application the lead decided "not met", and its appeal received today; the lead."""
    lead, application = not_met(session)
    review_outcome.record_appeal(session, lead, PROCEDURE, application.id, clock.today(), "Unfair")
    return lead, application


@pytest.mark.parametrize(
    ("decision", "said"),
    [
        ("not_upheld", "Not upheld: the decision was made properly"),
        ("upheld", "Upheld: the decision is to be looked at again"),
        ("partly_upheld", "Partly upheld: the decision is to be looked at again"),
    ],
)
def test_the_appeal_decision_on_a_not_met_application_speaks_of_the_decision_not_a_review(
    demo_hub: Flask, demo_session: Session, decision: str, said: str
) -> None:
    lead, application = _not_met_and_appealed(demo_session)
    review_outcome.decide_appeal(
        demo_session, lead, PROCEDURE, application.id, decision, "We looked again.", clock.today()
    )
    demo_session.commit()
    client = _lead(demo_hub, demo_session)
    letter = client.get(f"/trigger/{application.id}/letters/appeal_decision")
    text = letter.get_data(as_text=True)
    assert (
        "has considered your appeal about the decision not to review your application "
        f"{application.reference}."
    ) in text
    assert f"Their decision: {said}." in text
    assert "the review of your application" not in text
    assert "the review was carried out properly" not in text
    assert "the review is to be looked at again" not in text
    assert "further recommendations" not in text  # there was no review to recommend more of
    assert "They made no recommendations." in text
    if decision == "not_upheld":
        assert "The decision not to review your application stands" in text
        assert "Local Government and Social Care Ombudsman" in text
    else:
        due = england_and_wales().add(clock.today(), PROCEDURE.timescales.threshold_decision)
        assert (
            "We will now look at your application again, with the police, the NHS and the "
            "housing providers in the area, and write to you with our new decision by "
            f"{due.day} {due:%B %Y}."
        ) in html.unescape(text)


def test_the_application_page_and_list_say_the_appeal_decision_of_the_not_met_decision(
    demo_hub: Flask, demo_session: Session
) -> None:
    lead, application = _not_met_and_appealed(demo_session)
    review_outcome.decide_appeal(
        demo_session, lead, PROCEDURE, application.id, "not_upheld", "Made properly.", clock.today()
    )
    demo_session.commit()
    client = _lead(demo_hub, demo_session)
    page = client.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Not upheld: the decision was made properly" in page
    assert "the review was carried out properly" not in page
    listed = client.get("/trigger", query_string={"reference": application.reference})
    row = listed.get_data(as_text=True)
    assert "not upheld: the decision was made properly" in row
    assert "the review was carried out properly" not in row


def test_the_form_for_the_appeal_decision_on_a_not_met_application_offers_it_of_the_decision(
    demo_hub: Flask, demo_session: Session
) -> None:
    _, application = _not_met_and_appealed(demo_session)
    demo_session.commit()
    page = _lead(demo_hub, demo_session).get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Upheld: the decision is to be looked at again" in page
    assert "Not upheld: the decision was made properly" in page
    assert "the review is to be looked at again" not in page
    assert "the review was carried out properly" not in page
