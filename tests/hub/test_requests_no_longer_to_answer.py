"""An information request opened from its e-mail once there is nothing left to answer."""

from __future__ import annotations

from sqlalchemy import select

from sharing import clock
from sharing.models import Conference, InformationRequest
from sharing.vocabulary import ConferenceStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user


def _held_request(session, *, answered: bool) -> InformationRequest:
    return session.scalar(
        select(InformationRequest)
        .join(Conference, Conference.id == InformationRequest.conference_id)
        .where(
            Conference.status == ConferenceStatus.HELD,
            InformationRequest.answered_at.is_not(None)
            if answered
            else InformationRequest.answered_at.is_(None),
            InformationRequest.agency.has(code="northshire-police")
            if answered
            else InformationRequest.agency.has(code="northshire-csp"),
        )
        .order_by(InformationRequest.id)
    )


def test_a_request_a_colleague_answered_opens_the_answer_not_a_blank_form(
    demo_hub, demo_session
) -> None:
    """The sergeant follows the e-mail asking what the police hold, after a PCSO answered
    it: the conference's page says the police answered, when and who, at the answers,
    where a blank form asked again only to refuse what was typed into it."""
    request = _held_request(demo_session, answered=True)
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    path = f"/conferences/{request.conference_id}/requests/{request.id}"
    opened = sergeant.get(path)
    assert opened.status_code == 302
    assert opened.location == f"/conferences/{request.conference_id}#information-requests"
    page = sergeant.get(opened.location).get_data(as_text=True)
    assert (
        f"Your agency answered this request on {clock.day_of(request.answered_at):%-d %B %Y} "
        f"({request.answered_by.display_name}): its answer is under"
    ) in page
    # A form opened before the answer and sent after it is still refused at its field,
    # keeping what was typed.
    again = sergeant.post(
        path,
        data={"csrf_token": csrf_token(sergeant, "/"), "known": "no", "risk_note": "Typed"},
    )
    assert again.status_code == 400
    assert "already answered" in again.get_data(as_text=True)
    assert ">Typed</textarea>" in again.get_data(as_text=True)


def test_a_request_of_a_conference_that_has_met_says_so_instead_of_a_form(
    demo_hub, demo_session
) -> None:
    request = _held_request(demo_session, answered=False)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    path = f"/conferences/{request.conference_id}/requests/{request.id}"
    opened = manager.get(path)
    assert opened.status_code == 302
    page = manager.get(opened.location).get_data(as_text=True)
    assert (
        "The conference has met or been cancelled, so the request can no longer be "
        "answered: tell the convening agency directly"
    ) in page
