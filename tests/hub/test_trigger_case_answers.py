"""An agency asked by the Community Trigger lead about one of its cases answers (demo
partnership, whose review asked the relevant bodies about their cases): the request is on
the home page of those asked (counted, linked, gone once answered), they confirm the
complaint or say the agency holds none and why, and the lead reads the answer on the
application's page. Anyone not asked is told the request does not exist; a missing or
unknown answer is refused at its field, a second answer saying when the first was given;
each is recorded by ids only.

Each test has its own copy of the demo, as each answers a request."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.models import AuditEntry, Case, LockMember, TriggerCaseRequest, User
from sharing.trigger import case_answers
from sharing.vocabulary import CaseRequestAnswer, Role
from tests.fixtures.app import PASSWORD, csrf_token
from tests.fixtures.demo import demo_client, demo_copy, demo_user

HOME_HEADING = "ASB Case Reviews asking about your agency"


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _waiting(session: Session) -> TriggerCaseRequest:
    """A request of the demo's review still waiting for its answer, about a case not
    locked."""
    for request in session.scalars(select(TriggerCaseRequest).order_by(TriggerCaseRequest.id)):
        if (
            request.answer is None
            and request.case is not None
            and not request.case.locked
            and case_answers.waiting(request.application)
        ):
            return request
    pytest.fail("the demo has no request waiting for an answer")


def _officer(hub: Flask, session: Session, request: TriggerCaseRequest) -> FlaskClient:
    return demo_client(hub, session.get(User, request.case.officer_id))


def _answer(client: FlaskClient, request: TriggerCaseRequest, answer: str):
    page = f"/trigger/asked/{request.id}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "answer": answer})


def _entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "trigger.case_answer")
            .order_by(AuditEntry.seq)
        )
    )


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_officer_asked_sees_the_request_at_home_confirms_it_and_the_lead_reads_it(
    hub, session
) -> None:
    request = _waiting(session)
    officer = _officer(hub, session, request)
    link = f"/trigger/asked/{request.id}"

    home = _text(officer.get("/"))
    assert HOME_HEADING in home
    assert link in home
    assert f"Application {request.application.reference} asks about case" in home
    assert link in _text(officer.get(f"/cases/{request.case_id}")), "linked from the case"
    page = _text(officer.get(link))
    assert "Answer the Community Trigger lead" in page
    assert request.case.reference in page

    response = _answer(officer, request, "confirmed")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/cases/{request.case_id}#trigger-{request.application_id}"
    )
    session.expire_all()
    assert request.answer is CaseRequestAnswer.CONFIRMED
    assert link not in _text(officer.get("/")), "gone from the home page once answered"
    case_page = _text(officer.get(f"/cases/{request.case_id}"))
    assert "Your agency answered the lead: Confirmed on" in case_page
    lead = demo_client(hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    lead_page = _text(lead.get(f"/trigger/{request.application_id}"))
    assert "Confirmed on" in lead_page
    [entry] = _entries(session)
    assert (entry.outcome, entry.object_type, entry.object_id) == (
        "allowed",
        "trigger_application",
        str(request.application_id),
    )
    assert entry.basis == f"request {request.id}; case {request.case_id}; confirmed"


def test_no_such_complaint_and_why_reaches_the_lead(hub, session) -> None:
    request = _waiting(session)
    officer = _officer(hub, session, request)
    case_page = f"/cases/{request.case_id}"
    assert "Confirm the complaint to the lead" in _text(officer.get(case_page))

    response = _answer(officer, request, "someone_else")

    assert response.status_code == 302
    lead = demo_client(hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    lead_page = _text(lead.get(f"/trigger/{request.application_id}"))
    assert "No such complaint (the case is about someone else)" in lead_page
    assert "None to bring: no such complaint" in lead_page
    box = _text(officer.get(case_page))
    assert "The case is not one to bring to the review panel." in box
    assert "Confirm the complaint to the lead" not in box, "no longer asked of the agency"
    assert "Bring the case to the review panel" not in box


@pytest.mark.parametrize("answer", ["", "banana", "CONFIRMED"])
def test_an_answer_missing_or_not_offered_is_refused_at_its_field(hub, session, answer) -> None:
    request = _waiting(session)
    response = _answer(_officer(hub, session, request), request, answer)
    assert response.status_code == 400
    page = _text(response)
    assert case_answers.CHOOSE in page
    assert 'href="#answer"' in page or 'href="#answer-' in page  # the summary links the field
    session.expire_all()
    assert request.answer is None, "nothing stored"
    [refused] = _entries(session)
    assert (refused.outcome, refused.basis) == ("refused", "refused input: answer")


def test_a_second_answer_is_refused_saying_when_the_first_was_given(hub, session) -> None:
    request = _waiting(session)
    officer = _officer(hub, session, request)
    assert _answer(officer, request, "not_asb").status_code == 302
    answered = _text(officer.get(f"/trigger/asked/{request.id}"))
    assert "Your agency answered the lead: No such complaint (what was reported" in answered
    assert "Send the answer" not in answered
    again = _answer(officer, request, "confirmed")
    assert again.status_code == 302
    page = _text(officer.get(again.headers["Location"]))
    assert "Your agency answered on" in page
    assert "Nothing was changed." in page
    session.expire_all()
    assert request.answer is CaseRequestAnswer.NOT_ASB


def test_an_application_no_longer_waiting_needs_no_answer(hub, session) -> None:
    request = _waiting(session)
    officer = _officer(hub, session, request)
    request.application.outcome_on = request.application.received_on  # its review is over
    request.application.appeal_received_on = None
    session.commit()
    assert f"/trigger/asked/{request.id}" not in _text(officer.get("/"))
    response = _answer(officer, request, "confirmed")
    assert response.status_code == 302
    assert "no longer waits for this case" in _text(officer.get(response.headers["Location"]))
    session.expire_all()
    assert request.answer is None


def _another_officer(session: Session, case: Case) -> User:
    """A case officer of the case's agency who is not its officer, added for the test (on
    some days the demo's first waiting request is about a case whose agency has no other)."""
    officer = accounts.create_user(
        session,
        agency=case.agency,
        email="another.officer@northshire.example",
        display_name="Another Officer",
        roles={Role.CASE_OFFICER},
        password=PASSWORD,
    )
    session.commit()
    return officer


def test_anyone_not_asked_is_told_the_request_does_not_exist(hub, session) -> None:
    """Another agency's manager, and an officer of the same agency whose case it is not,
    get 404 for the page and for an answer, each recorded; a role that never answers is
    refused by the role guard (403)."""
    request = _waiting(session)
    page = f"/trigger/asked/{request.id}"
    other_agency = (
        "northshire-police" if request.agency.code != "northshire-police" else ("northshire-homes")
    )
    for user in (
        demo_user(session, other_agency, Role.MANAGER),
        _another_officer(session, request.case),
    ):
        client = demo_client(hub, user)
        assert client.get(page).status_code == 404
        assert page not in _text(client.get("/"))
        assert page not in _text(client.get(f"/cases/{request.case_id}"))
    lead = demo_client(hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    assert lead.get(page).status_code in (403, 404)
    assert lead.get("/trigger/asked/999999").status_code in (403, 404)
    session.expire_all()
    assert request.answer is None
    refused = [e for e in _entries(session) if e.outcome == "refused"]
    assert refused
    assert all(e.object_type == "trigger_case_request" for e in refused)


def test_a_locked_case_is_answered_by_its_lock_members_alone(hub, session) -> None:
    """The case locked since it was asked about, its officer alone a lock member: the
    agency's managers outside the lock are told the request does not exist, and do not
    see it at home; the officer answers."""
    request = _waiting(session)
    case = request.case
    case.locked = True
    session.add(LockMember(case_id=case.id, user_id=case.officer_id, named_by_id=case.officer_id))
    session.commit()
    manager = next(
        u
        for u in session.scalars(select(User).where(User.agency_id == case.agency_id))
        if u.id != case.officer_id and u.has_role(Role.MANAGER)
    )
    page = f"/trigger/asked/{request.id}"
    outsider = demo_client(hub, manager)
    assert outsider.get(page).status_code == 404
    assert page not in _text(outsider.get("/"))
    officer = _officer(hub, session, request)
    assert page in _text(officer.get("/"))
    assert _answer(officer, request, "confirmed").status_code == 302


def test_the_lead_reads_the_answers_before_deciding_the_threshold(hub, session) -> None:
    """Asked before the decision (the agencies' confirming is part of it), the answers
    are on the application's page under the button asking them."""
    request = _waiting(session)
    request.application.decision = None
    session.commit()
    assert _answer(_officer(hub, session, request), request, "in_error").status_code == 302
    lead = demo_client(hub, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))
    page = _text(lead.get(f"/trigger/{request.application_id}"))
    assert "Agencies asked to confirm their complaints" in page
    assert "No such complaint (the report was recorded in error)" in page
    assert "Not answered yet" in page or len(request.application.requests) == 1
