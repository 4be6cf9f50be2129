"""An information request goes to an invited agency's people who may open its conference.
A case brought to the Community Trigger review panel is shared for the Community Trigger,
which that protocol gives a conference chair nothing for: the CSP coordinator of an
invited agency is neither shown its request on their home page nor let answer it (its
pack, which the form sends them to, and its page, where the answer goes, refuse them),
while their manager, whose role the protocol covers, is asked and answers."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing import clock
from sharing.models import (
    Conference,
    InformationRequest,
    MeetingSeries,
    MeetingSitting,
)
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import bring_a_case, demo_client, demo_user

QUESTION = "Review the agencies' response to the complaints behind the application"


def _panel_sitting(session: Session) -> MeetingSitting:
    """A sitting to come of the Community Trigger review panel."""
    panel = session.scalar(
        select(MeetingSeries).where(MeetingSeries.purpose == "community_trigger")
    )
    return next(s for s in panel.sittings if s.starts_at > clock.now() and not s.cancelled)


def _brought_to_the_panel(session: Session) -> Conference:
    """A Northshire Homes case, not on the sitting, brought to it by its officer."""
    return bring_a_case(session, _panel_sitting(session), QUESTION)


def _request_of(session: Session, conference: Conference, agency_id: int) -> InformationRequest:
    return session.scalar(
        select(InformationRequest).where(
            InformationRequest.conference_id == conference.id,
            InformationRequest.agency_id == agency_id,
        )
    )


def test_a_request_goes_to_those_of_the_invited_agency_who_may_open_its_conference(
    demo_hub, demo_session
) -> None:
    conference = _brought_to_the_panel(demo_session)
    coordinator = demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    manager = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    asked = _request_of(demo_session, conference, coordinator.agency_id)
    path = f"/conferences/{conference.id}/requests/{asked.id}"
    as_coordinator = demo_client(demo_hub, coordinator)
    # The coordinator may not open the conference: nothing on their home page points at it.
    assert as_coordinator.get(f"/conferences/{conference.id}").status_code in (403, 404)
    home = as_coordinator.get("/").get_data(as_text=True)
    assert not re.search(rf'href="/conferences/{conference.id}[/"]', home)
    # Nor may they open or send its answer form: nothing is answered.
    assert as_coordinator.get(path).status_code == 404
    sent = as_coordinator.post(
        path, data={"csrf_token": csrf_token(as_coordinator, "/"), "known": "no"}
    )
    assert sent.status_code == 404
    demo_session.expire_all()
    assert demo_session.get(InformationRequest, asked.id).answered_at is None

    # The manager, whom the protocol covers, is asked on their home page and answers.
    as_manager = demo_client(demo_hub, manager)
    assert f'href="{path}"' in as_manager.get("/").get_data(as_text=True)
    answered = as_manager.post(
        path, data={"csrf_token": csrf_token(as_manager, path), "known": "no"}
    )
    assert answered.status_code == 302, answered.get_data(as_text=True)
    assert as_manager.get(answered.location).status_code == 200
    demo_session.expire_all()
    assert demo_session.get(InformationRequest, asked.id).answered_by_id == manager.id


def test_a_request_of_a_conference_that_has_met_is_no_longer_asked_nor_overdue(
    demo_hub, demo_session
) -> None:
    """The demo's problem-solving group sat weeks ago with requests left unanswered: the
    conference page says each was not answered before the conference, with no "Overdue"
    tag and no button to answer; an answer sent anyway is refused, nothing written. A
    conference to come still asks."""
    held = demo_session.scalar(
        select(Conference)
        .where(Conference.sitting_id.is_not(None), Conference.starts_at < clock.now())
        .order_by(Conference.starts_at.desc())
    )
    coordinator = demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    asked = _request_of(demo_session, held, coordinator.agency_id)
    assert asked.answered_at is None
    client = demo_client(demo_hub, coordinator)

    page = html.unescape(client.get(f"/conferences/{held.id}").get_data(as_text=True))
    holds = page.split('id="information-requests"', 1)[1].split("<h2", 1)[0]
    assert f"Not answered before the conference (it was due {uk_date(asked.due_on)})." in holds
    assert "Overdue" not in holds
    assert "Answer for your agency" not in holds
    path = f"/conferences/{held.id}/requests/{asked.id}"
    # Its page is no longer a form (it opens the answers, saying why): a form opened
    # before the conference met, sent after it, is refused.
    token = csrf_token(client, f"/conferences/{held.id}")
    sent = client.post(path, data={"csrf_token": token, "known": "no"})
    assert sent.status_code == 400
    assert "The conference has met or been cancelled" in html.unescape(sent.get_data(as_text=True))
    demo_session.expire_all()
    assert demo_session.get(InformationRequest, asked.id).answered_at is None

    to_come = demo_session.scalar(
        select(Conference)
        .where(Conference.sitting_id.is_not(None), Conference.starts_at > clock.now())
        .join(InformationRequest, InformationRequest.conference_id == Conference.id)
        .where(
            InformationRequest.agency_id == coordinator.agency_id,
            InformationRequest.answered_at.is_(None),
        )
        .order_by(Conference.starts_at)
    )
    assert "Answer for your agency" in client.get(f"/conferences/{to_come.id}").get_data(
        as_text=True
    )
