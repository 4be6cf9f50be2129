"""The audit log as a data protection officer relies on it: every act of the demo
partnership's users is an entry, written with the act (refusals too), naming identifiers,
categories and bases, never personal data; and a read whose entry cannot be written is
refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit.act_kinds import Action
from sharing.audit.log import canonical
from sharing.audit.verification import verify
from sharing.cases import emergency, erasure, locks, share_ending, shares
from sharing.crypto.rotation import rotate
from sharing.crypto.sealing import unseal
from sharing.demo import DEMO_PASSWORD
from sharing.models import (
    AuditEntry,
    Case,
    Incident,
    LockRequest,
    MoreRequest,
    ProtocolRecord,
    Share,
    User,
)
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.vocabulary import CaseStatus, LockReason, Role, SuspensionReason
from tests.fixtures.app import audit_log_failing, csrf_token, sign_in_through_pages
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import (
    demo_actor,
    demo_client,
    demo_user,
    lock_demo_case,
    shared_with_agency,
)
from tests.test_no_leaks import leaked, personal_values

PURPOSE = "asb_case_management"


def _entries_since(session: Session, seq: int) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq))
    )


def _last_seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq))) or -1


def _own_cases(session: Session, agency: str = "larkmoor-ha") -> list[Case]:
    """The open cases of the agency that its officer can work on (share, lock, record),
    oldest first."""
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.locked.is_(False),
                Case.erased_at.is_(None),
                Case.status != CaseStatus.CLOSED,
                Case.agency.has(code=agency),
            )
            .order_by(Case.id)
        )
    )


def _own_case(session: Session, agency: str = "larkmoor-ha") -> Case:
    """An open case of the agency that its officer can work on (share, lock, record)."""
    return _own_cases(session, agency)[0]


#: Cases no partner asked for more of (whose pages have no such section).
NOT_ASKED_FOR_MORE = Case.id.not_in(select(MoreRequest.case_id))


def test_a_case_page_view_writes_exactly_one_audit_entry_naming_its_sections(
    demo_hub, demo_session
) -> None:
    asked = set(demo_session.scalars(select(MoreRequest.case_id)))
    case = next(c for c in _own_cases(demo_session) if c.id not in asked)
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    before = _last_seq(demo_session)
    assert client.get(f"/cases/{case.id}").status_code == 200
    [entry] = _entries_since(demo_session, before)
    assert entry.action == Action.CASE_VIEW
    assert entry.basis.endswith(
        "| sections details, people, incidents, actions, risk, safeguarding referrals, "
        "known to others, shares"
    )


def test_a_case_view_records_the_categories_shown_their_basis_and_the_request(
    demo_hub, demo_session
) -> None:
    case = _own_case(demo_session)
    officer = demo_session.get(User, case.officer_id)
    client = demo_client(demo_hub, officer)
    before = _last_seq(demo_session)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    [entry] = [e for e in _entries_since(demo_session, before) if e.action == Action.CASE_VIEW]
    assert (entry.outcome, entry.object_type, entry.object_id) == ("allowed", "case", str(case.id))
    assert (entry.actor_user_id, entry.actor_agency_id) == (officer.id, officer.agency_id)
    assert "case_officer" in entry.actor_roles
    assert entry.basis.startswith(
        "identity,contact,location,narrative,risk,vulnerability,offending,actions,outcome: "
        "Your agency's own case"
    )
    assert entry.request_id == response.headers["X-Request-Id"]


def test_a_partner_view_names_protocol_clause_share_and_purpose(demo_hub, demo_session) -> None:
    share = demo_session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Case.locked.is_(False),
            NOT_ASKED_FOR_MORE,
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    )
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    before = _last_seq(demo_session)
    assert police.get(f"/cases/{share.case_id}?purpose={PURPOSE}").status_code == 200
    entries = _entries_since(demo_session, before)
    # One page view, one entry: the risk section is named in it, not recorded apart.
    [entry] = entries
    assert entry.action == Action.CASE_VIEW
    assert entry.basis.endswith("| sections details, people, incidents, actions, risk")
    assert entry.purpose == PURPOSE
    assert "Protocol northshire-asb-case-management version 1, clause" in entry.basis
    assert f"share {share.id} until" in entry.basis
    assert "vulnerability" not in entry.basis  # not in the police clause: not disclosed


def test_refusals_are_recorded_though_the_refused_request_changes_nothing(
    demo_hub, demo_session
) -> None:
    unshared = demo_session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    locked = lock_demo_case(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    before = _last_seq(demo_session)
    assert police.get(f"/cases/{unshared.id}?purpose={PURPOSE}").status_code == 404
    assert police.get(f"/cases/{locked.id}").status_code == 404
    assert police.get("/cases/99999999").status_code == 404
    assert police.get(f"/cases/{unshared.id}?purpose=Ruth+Okonkwo+at+home").status_code == 404
    entries = _entries_since(demo_session, before)
    assert [(e.action, e.outcome, e.object_id) for e in entries] == [
        ("case.view", "refused", str(unshared.id)),
        ("case.view", "refused", str(locked.id)),
        ("case.view", "refused", "99999999"),
        ("case.view", "refused", str(unshared.id)),
    ]
    assert entries[1].basis == "not found for the requester: the case is locked"
    assert entries[2].basis == "no such case"
    assert entries[3].purpose == "(not a purpose)"  # what was typed is never recorded


def test_searches_are_recorded_with_what_they_showed_but_not_what_was_typed(
    demo_hub, demo_session
) -> None:
    case = _own_case(demo_session)
    officer = demo_session.get(User, case.officer_id)
    person = case.parties[0].person
    surname = unseal(person, "family_name")
    client = demo_client(demo_hub, officer)
    before = _last_seq(demo_session)
    page = client.post(
        "/search",
        data={"csrf_token": csrf_token(client, "/search"), "kind": "surname", "surname": surname},
    ).get_data(as_text=True)
    assert case.reference in page
    [entry] = _entries_since(demo_session, before)
    assert entry.action == "search"
    assert entry.basis.startswith("by surname: ")
    assert str(case.id) in entry.basis.split("; cases ")[1].split(";")[0].split(",")
    assert str(person.id) in entry.basis.split("; persons ")[1].split(",")
    assert surname.lower() not in canonical(entry).decode().lower()


def test_sign_ins_and_failures_are_recorded_without_the_address_typed(
    demo_hub, demo_session
) -> None:
    user = demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER)
    client = demo_hub.test_client()
    before = _last_seq(demo_session)
    for email, password in (
        ("nobody.at.all@larkmoor.example", "whatever-it-is"),
        (user.email, "not-the-password"),
    ):
        client.post(
            "/sign-in",
            data={
                "email": email,
                "password": password,
                "csrf_token": csrf_token(client, "/sign-in"),
            },
        )
    signed_in = demo_hub.test_client()
    sign_in_through_pages(signed_in, user, password=DEMO_PASSWORD)
    signed_in.post("/sign-out", data={"csrf_token": csrf_token(signed_in, "/")})
    entries = _entries_since(demo_session, before)
    assert [(e.action, e.outcome, e.actor_user_id, e.basis) for e in entries] == [
        ("sign_in.failed", "refused", None, "no active account has that e-mail address"),
        ("sign_in.failed", "refused", user.id, "wrong password"),
        ("sign_in", "allowed", user.id, "password"),
        ("sign_out", "allowed", user.id, None),
    ]
    text_of_log = b"".join(canonical(e) for e in entries).decode()
    assert "nobody.at.all" not in text_of_log
    assert user.email not in text_of_log


def test_a_read_or_a_change_whose_entry_cannot_be_written_is_refused(
    demo_hub, demo_session
) -> None:
    case = _own_case(demo_session)
    officer = demo_session.get(User, case.officer_id)
    client = demo_client(demo_hub, officer)
    summary = unseal(case, "summary")
    incidents = demo_session.scalar(select(func.count()).where(Incident.case_id == case.id))
    form_path = f"/cases/{case.id}/incidents/new"
    token = csrf_token(client, form_path)
    with audit_log_failing(demo_hub):
        response = client.get(f"/cases/{case.id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert "could not record this in its audit log" in page
        assert summary not in page
        assert case.reference not in page
        added = client.post(
            form_path,
            data={
                "csrf_token": token,
                "occurred_at-day": "1",
                "occurred_at-month": "11",
                "occurred_at-year": "2026",
                "occurred_at-time": "21:00",
                "description": "Shouting at the door again",
                "received_by": str(officer.agency_id),
            },
        )
        assert added.status_code == 503
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).where(Incident.case_id == case.id)) == incidents
    assert client.get(f"/cases/{case.id}").status_code == 200  # recorded again once it can be


def _every_kind_of_act(app: Flask, session: Session) -> None:
    """One of each act the core records, as the demo's users would do them."""
    # Not one the day's demo already shares with the police for case management (14
    # February 2027): sharing it again would be refused.
    owner = next(
        c
        for c in _own_cases(session, "larkmoor-ha")
        if not shared_with_agency(session, c, "northshire-police", PURPOSE)
    )
    officer = Actor.of(session.get(User, owner.officer_id))
    manager = demo_actor(session, "larkmoor-ha", Role.MANAGER)
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-asb-case-management",
            ProtocolRecord.status == "active",
        )
    )
    police = session.scalar(select(User).where(User.agency.has(code="northshire-police")))
    share = shares.share_case(
        session,
        authorise(session, officer, owner.id, Act.SHARE),
        agency_id=police.agency_id,
        protocol_id=protocol.id,
        purpose=PURPOSE,
        until=clock.today() + timedelta(days=10),
    )
    share_ending.revoke_share(session, officer, share.id)
    request = locks.request_lock(
        session,
        authorise(session, officer, owner.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "Victim is a member of staff",
    )
    locks.decide_lock(session, manager, request.id, approve=True)
    unlock = locks.request_lock(
        session,
        authorise(session, officer, owner.id, Act.REQUEST_LOCK),
        None,
        "No longer needed",
        unlock=True,
    )
    locks.decide_lock(session, manager, unlock.id, approve=False, reason="Keep it locked for now")
    session.commit()
    other = _own_case(session, "wealdbrook-ht")
    glass = emergency.break_glass(
        session,
        demo_actor(session, "northshire-police", Role.CASE_OFFICER),
        other.reference,
        "Threat to life reported by a neighbour tonight",
    )
    emergency.review(
        session,
        demo_actor(session, "wealdbrook-ht", Role.MANAGER),
        glass.id,
        "Justified: the threat was real and immediate",
    )
    close_for_erasure(session, manager, owner.id)
    erasure.erase_case(session, authorise(session, manager, owner.id, Act.ERASE), with_people=True)
    session.commit()
    dpo = demo_actor(session, "northshire-police", Role.DPO)
    protocol_lifecycle.suspend(session, dpo, protocol.id, SuspensionReason.OTHER, "Reviewing")
    session.commit()
    rotate(app.extensions["hub.sessions"], app.extensions["hub.keys"])


def test_every_entry_of_a_full_run_holds_no_personal_data_and_the_log_verifies(
    demo_hub, demo_session
) -> None:
    """Runs last in this module: it erases a case and suspends a protocol."""
    values = personal_values(demo_session)  # read before the erasure makes some unreadable
    _every_kind_of_act(demo_hub, demo_session)
    demo_session.expire_all()
    entries = list(demo_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    recorded = {e.action for e in entries}
    assert {
        "case.open",
        "case.record",
        "case.view",
        "search",
        "share.create",
        "share.revoke",
        "lock.request",
        "unlock.request",
        "lock.decide",
        "break_glass",
        "break_glass.review",
        "case.erase",
        "person.erase",
        "protocol.import",
        "protocol.sign",
        "protocol.status",
        "keys.rotate",
        "sign_in",
        "sign_in.failed",
    } <= recorded
    assert leaked(b"\n".join(canonical(e) for e in entries), values) == []
    assert demo_session.scalar(select(func.count()).select_from(LockRequest)) > 0
    result = verify(demo_session)
    assert result.ok, result.problem
    assert result.size == len(entries)


def test_the_dpos_log_says_bst_or_gmt_in_the_hour_the_clocks_go_back(as_user, create_user) -> None:
    """At 2am on the last Sunday in October the clocks go back to 1am: an entry at 1:50am
    summer time and the next, 20 minutes later, at 1:10am each say which they are (BST,
    GMT), where the later one read as the earlier."""
    dpo_user = create_user("dpo")
    with clock.pinned(datetime(2026, 10, 25, 0, 50, tzinfo=UTC)):
        dpo = as_user(user=dpo_user)
        assert dpo.get("/audit").status_code == 200
    with clock.pinned(datetime(2026, 10, 25, 1, 10, tzinfo=UTC)):
        assert dpo.get("/audit").status_code == 200
    with clock.pinned(datetime(2026, 10, 25, 1, 15, tzinfo=UTC)):
        page = dpo.get("/audit?action=audit.search").get_data(as_text=True)
    assert "25 October 2026 at 1:50am BST" in page
    assert "25 October 2026 at 1:10am GMT" in page
