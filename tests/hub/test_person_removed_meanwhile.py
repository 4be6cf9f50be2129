"""Someone's details saved ("Change their details") while a colleague takes them off the
case, on PostgreSQL through the hub's pages (demo partnership): the removal is taken
first and held open until the save waits for the person's row; then it is let go. The
save is answered as one sent after the removal is: not found, nothing changed, the refusal
in the audit log. Before, the save's row lock found the row gone and answered 500.

No sleep decides the order: the removal commits only once the save waits for its lock."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.log import integrate
from sharing.cases import people
from sharing.models import AuditEntry, Case, CaseParty, User
from sharing.vocabulary import CaseStatus
from tests.fixtures.demo import demo_client
from tests.fixtures.forms import form_on
from tests.fixtures.races import PATIENCE_SECONDS, answered_while_held


def _a_party(session: Session) -> CaseParty:
    """Someone on an open, unlocked case of Northshire Homes whose officer is still here."""
    return next(
        party
        for party in session.scalars(
            select(CaseParty)
            .join(Case, Case.id == CaseParty.case_id)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.status != CaseStatus.CLOSED,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(CaseParty.id)
        )
        if party.case.officer.active
    )


def _refused_pages(session: Session, request_id: str) -> list[tuple[str, str | None]]:
    integrate(session)
    session.commit()
    return [
        (e.action, e.basis)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))
        if e.outcome == "refused"
    ]


@pytest.mark.postgres
def test_a_change_saved_as_the_person_is_taken_off_the_case_is_not_found(
    hub_on_postgres: Flask,
) -> None:
    app = hub_on_postgres
    sessions = app.extensions["hub.sessions"]
    with sessions() as session:
        party = _a_party(session)
        case_id, party_id, person_id = party.case_id, party.id, party.person_id
        officer = session.get(User, party.case.officer_id)
    url = f"/cases/{case_id}/people/{party_id}/change"
    client = demo_client(app, officer)
    form = form_on(client.get(url).get_data(as_text=True), url)
    form["person-support_needs"] = "Prefers a call in the afternoon"

    def remove(taken: threading.Event, let_go: threading.Event) -> None:
        with sessions() as session:
            actor = Actor.of(session.get(User, officer.id))
            people.remove_person(session, authorise(session, actor, case_id, Act.RECORD), party_id)
            taken.set()
            let_go.wait(PATIENCE_SECONDS)
            session.commit()

    response = answered_while_held(
        app.extensions["hub.engine"], remove, lambda: client.post(url, data=form)
    )
    assert not isinstance(response, Exception), repr(response)
    assert response.status_code == 404, response.get_data(as_text=True)
    with sessions() as session:
        assert session.get(CaseParty, party_id) is None
        assert not session.scalars(
            select(CaseParty).where(CaseParty.case_id == case_id, CaseParty.person_id == person_id)
        ).all()
        refused = _refused_pages(session, response.headers["X-Request-Id"])
        assert refused == [
            (
                "page.refused",
                f"cases.change_person answered 404 (case_id {case_id}, party_id {party_id})",
            )
        ]
    # Sent again, the page answers as it now does for anyone: not found.
    assert client.post(url, data=form).status_code == 404
