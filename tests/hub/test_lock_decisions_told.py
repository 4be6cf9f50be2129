"""A lock request's decision reaches the officer who asked (demo partnership): a manager
refusing says why (the form asks for it, keeping the people ticked), the case page tells
the case's own agency who decided, when and, for a refusal, why, and the officer who asked
is told by e-mail, naming the case only. Before, a refusal gave no reason, and the case page
went back to "Ask to lock this case" as if nothing had been asked."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks
from sharing.models import AuditEntry, Case, LockRequest, Notice, User
from sharing.vocabulary import LockReason, LockStatus, NoticeKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases

AGENCY = "larkmoor-ha"
WHY = "The reported person left the repairs team last year: the case can stay open"


def _asked(session: Session) -> tuple[Case, LockRequest]:
    """An open case of the agency, never asked to be locked, whose officer asks now."""
    asked = set(session.scalars(select(LockRequest.case_id)))
    manager = demo_user(session, AGENCY, Role.MANAGER)
    case = next(
        c
        for c in open_cases(session, AGENCY)
        if c.id not in asked and c.officer.active and c.officer_id != manager.id
    )
    officer = Actor.of(session.get(User, case.officer_id))
    request = locks.request_lock(
        session,
        authorise(session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.EMPLOYEE_REPORTED,
        "The reported person works for us in the repairs team",
    )
    session.commit()
    return case, request


def test_refusing_without_a_reason_is_asked_for_one_keeping_the_people_ticked(
    demo_hub: Flask, demo_session: Session
) -> None:
    case, request = _asked(demo_session)
    manager = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    path = f"/locks/{request.id}"
    page = manager.get(path).get_data(as_text=True)
    assert 'name="note"' in page  # the reason is asked on the form
    colleague = next(
        u
        for u in demo_session.scalars(select(User).where(User.agency_id == case.agency_id))
        if f'value="{u.id}"' in page
    )

    refused = manager.post(
        path,
        data={
            "csrf_token": csrf_token(manager, path),
            "decision": "refuse",
            "members": str(colleague.id),
            "note": "  ",
        },
    )

    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'href="#note"' in html
    assert "Say why you are refusing the request: the officer who asked reads it" in html
    assert f'value="{colleague.id}" checked' in html
    demo_session.expire_all()
    assert demo_session.get(LockRequest, request.id).status is LockStatus.REQUESTED
    assert demo_session.scalar(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "lock.decide", AuditEntry.outcome == "refused")
        .order_by(AuditEntry.seq.desc())
    ) == ("refused input: note")


def test_the_officer_reads_a_refusal_and_why_on_the_case_and_is_told_by_e_mail(
    demo_hub: Flask, demo_session: Session
) -> None:
    case, request = _asked(demo_session)
    deciding = demo_user(demo_session, AGENCY, Role.MANAGER)
    manager = demo_client(demo_hub, deciding)
    path = f"/locks/{request.id}"
    done = manager.post(
        path,
        data={"csrf_token": csrf_token(manager, path), "decision": "refuse", "note": WHY},
    )
    assert done.status_code == 302

    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'id="lock-decision-{request.id}"' in page
    assert f"to lock this case: refused by {deciding.display_name}" in page
    assert f"Why: {WHY}</p>" in page
    told = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.LOCK_DECIDED, Notice.reference == case.reference
        )
    ).all()
    assert [(n.user_id, n.path) for n in told] == [
        (case.officer_id, f"/cases/{case.id}#lock-decision-{request.id}")
    ]
    entries = demo_session.scalars(
        select(AuditEntry.basis).where(AuditEntry.action == "lock.decide")
    ).all()
    assert entries
    assert not [basis for basis in entries if "repairs" in (basis or "")]


def test_an_approved_lock_says_who_approved_it_and_who_may_see_the_case(
    demo_hub: Flask, demo_session: Session
) -> None:
    case, request = _asked(demo_session)
    deciding = demo_user(demo_session, AGENCY, Role.MANAGER)
    locks.decide_lock(demo_session, Actor.of(deciding), request.id, approve=True)
    demo_session.commit()

    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"to lock this case: approved by {deciding.display_name}" in page
    assert (
        f"Who may see it: {case.officer.display_name} (case officer), "
        f"{deciding.display_name} (approved the lock)"
    ) in page


def test_only_colleagues_who_work_cases_are_offered_to_let_in(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A lock lets in those who would otherwise see the case: the agency's case officers
    and managers. Its data protection officer, who reads no case, was offered too, as if
    ticking them let them read it."""
    _, request = _asked(demo_session)
    manager = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    dpo = demo_user(demo_session, AGENCY, Role.DPO)
    path = f"/locks/{request.id}"
    page = manager.get(path).get_data(as_text=True)
    assert 'name="members"' in page
    assert f'value="{dpo.id}"' not in page

    refused = manager.post(
        path,
        data={"csrf_token": csrf_token(manager, path), "decision": "approve", "members": dpo.id},
    )
    assert refused.status_code == 400
    assert "Select only colleagues from those offered" in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(LockRequest, request.id).status is LockStatus.REQUESTED


def test_the_decision_page_gives_the_officers_explanation(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The manager decides with the officer's explanation before them, as the list of
    requests gives it; the decision page gave only the reason chosen."""
    _, request = _asked(demo_session)
    manager = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    page = manager.get(f"/locks/{request.id}").get_data(as_text=True)
    assert "Their explanation: The reported person works for us in the repairs team" in page


def test_the_managers_who_may_decide_a_request_are_told_by_e_mail(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A request waits for a manager who may not sign in for days: each manager who may
    decide it is e-mailed (the case's reference and a link to the requests, nothing
    else), never the officer who asked. Before, only the hub's Alerts said so."""
    case, request = _asked(demo_session)
    told = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.LOCK_REQUESTED, Notice.reference == case.reference
        )
    ).all()
    managers = {
        u.id
        for u in demo_session.scalars(select(User).where(User.agency_id == case.agency_id))
        if Role.MANAGER in u.roles and u.active and u.id != request.requested_by_id
    }
    assert managers
    assert {n.user_id for n in told} == managers
    assert {n.path for n in told} == {f"/locks#request-{request.id}"}
    manager = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    assert f'id="request-{request.id}"' in manager.get("/locks").get_data(as_text=True)
