"""A refused lock request or decision is an entry in the audit log, as every refusal is
(demo partnership): asking to lock a case with no reason or too short an explanation, or
while a request is already waiting; deciding a request with neither Approve nor Refuse.
Each page answers 400 at its field and saves nothing; each writes one refused entry
naming the fields, never what was typed. Before, these refusals left no trace."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit import act_kinds
from sharing.models import AuditEntry, AuditQueued, LockRequest, User
from sharing.vocabulary import LockStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases

AGENCY = "larkmoor-ha"


def _refusals(session: Session, response) -> list[tuple[str, str, str | None]]:
    assert response.status_code == 400, response.status_code
    session.expire_all()
    request_id = response.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    shown = {action.value for action in act_kinds.SHOWN}  # what the page showed again
    assert not [e for e in entries if e.outcome == "allowed" and e.action not in shown]
    return [(e.action, e.object_id, e.basis) for e in entries if e.outcome == "refused"]


def test_refused_lock_requests_and_decisions_are_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = next(c for c in open_cases(demo_session, AGENCY) if c.officer.active)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/lock"
    subject = str(case.id)

    def ask(**fields: str):
        return officer.post(path, data={"csrf_token": csrf_token(officer, path), **fields})

    no_reason = ask(note="The reported person is one of our caretakers")
    assert 'href="#reason"' in no_reason.get_data(as_text=True)
    assert _refusals(demo_session, no_reason) == [
        ("lock.request", subject, "refused input: reason")
    ]
    short = ask(reason="sensitive", note="Staff")
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert _refusals(demo_session, short) == [("lock.request", subject, "refused input: note")]
    asked = ask(reason="sensitive", note="The reported person is one of our caretakers")
    assert asked.status_code == 302
    twice = ask(reason="sensitive", note="The reported person is one of our caretakers")
    assert "already waiting for a manager" in twice.get_data(as_text=True)
    assert _refusals(demo_session, twice) == [("lock.request", subject, "refused input: reason")]

    demo_session.expire_all()
    waiting = demo_session.scalar(
        select(LockRequest).where(
            LockRequest.case_id == case.id, LockRequest.status == LockStatus.REQUESTED
        )
    )
    assert waiting is not None
    manager = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    decide = f"/locks/{waiting.id}"
    neither = manager.post(
        decide, data={"csrf_token": csrf_token(manager, decide), "decision": "maybe"}
    )
    assert "Select whether to approve or refuse the request" in neither.get_data(as_text=True)
    assert _refusals(demo_session, neither) == [
        ("lock.decide", str(waiting.id), "refused input: decision")
    ]
    demo_session.expire_all()
    assert demo_session.get(LockRequest, waiting.id).status is LockStatus.REQUESTED
