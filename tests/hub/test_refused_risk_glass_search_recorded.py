"""Refusals on the risk forms, at emergency access, at the search and on the outcome forms
are entries in the audit log, as every refusal is (demo partnership), checked one by one:
someone not allowed, a case not theirs, and input refused by the form or by the core.
Each answers as before and writes one refused entry naming the fields or ids, never what
was typed. Before, the risk forms' and the search's bad input, an escalation of another
case, emergency access asked with no reason or too short a one, the Trigger review's
outcome form refused for its own checks and a referral's outcome refused by the core
left no trace."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import act_kinds, acts
from sharing.cases import emergency
from sharing.models import AuditEntry, AuditQueued, Case, Referral, TriggerApplication, User
from sharing.trigger.review_outcome import MAX_FINDINGS
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases

LARKMOOR = "larkmoor-ha"
POLICE = "northshire-police"
ADULTS = "northshire-adults"
SECRET = "Mrs Okonkwo-Bright at 14 Larch Road"  # what must never reach the log


def _refusals(
    session: Session, response: Any, status: int = 400
) -> list[tuple[str, str | None, str | None]]:
    """(action, object id, basis) of each refused entry the request wrote; it wrote no
    allowed entry but the views of what its page showed again."""
    assert response.status_code == status, response.status_code
    session.expire_all()
    request_id = response.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    shown = {action.value for action in act_kinds.SHOWN}
    assert not [e for e in entries if e.outcome == "allowed" and e.action not in shown]
    for entry in entries:
        written = " ".join(str(v) for v in (entry.object_id, entry.purpose, entry.basis))
        assert "Okonkwo" not in written
        assert "Larch" not in written
    return [(e.action, e.object_id, e.basis) for e in entries if e.outcome == "refused"]


def _post(client: FlaskClient, path: str, page: str = "", **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})


def _own_case(session: Session) -> Case:
    return next(c for c in open_cases(session, LARKMOOR) if c.officer.active)


def _officer(app: Flask, session: Session, case: Case) -> FlaskClient:
    return demo_client(app, session.get_one(User, case.officer_id))


# -- risk ---------------------------------------------------------------------------------


def test_a_risk_assessment_refused_for_who_asks_or_what_was_answered_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _own_case(demo_session)
    path = f"/cases/{case.id}/risk/new"
    subject = str(case.id)
    officer = _officer(demo_hub, demo_session, case)

    version = demo_hub.extensions["hub.risk_matrices"].current.version
    no_one = _post(officer, path, step="person", stage="initial", version=version)
    assert _refusals(demo_session, no_one) == [("risk.record", subject, "refused input: person_id")]

    dpo = demo_client(demo_hub, demo_user(demo_session, LARKMOOR, Role.DPO))
    not_allowed = dpo.get(path)  # no casework: refused at the page
    assert [a for a, _, _ in _refusals(demo_session, not_allowed, 403)] == ["page.refused"]
    other_agency = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.CASE_OFFICER))
    not_theirs = _post(other_agency, path, "/search", step="person")  # a form of theirs
    # 404 when nothing shares the case with the police, 403 (told why) when something does
    assert not_theirs.status_code in (403, 404)
    assert [(a, o) for a, o, _ in _refusals(demo_session, not_theirs, not_theirs.status_code)] == [
        ("risk.record", subject)
    ]


def test_a_triage_change_or_an_escalation_decision_refused_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _own_case(demo_session)
    subject = str(case.id)
    officer = _officer(demo_hub, demo_session, case)

    triage = f"/cases/{case.id}/triage"
    no_reason = _post(officer, triage, priority=case.priority.value, triage=case.triage.value)
    assert "Say why you are changing the triage" in no_reason.get_data(as_text=True)
    assert _refusals(demo_session, no_reason) == [
        ("triage.change", subject, "refused input: reason")
    ]

    elsewhere = officer.get(f"/cases/{case.id}/escalations/999999")
    assert _refusals(demo_session, elsewhere, 404) == [
        ("escalation.decide", subject, "no such escalation 999999 on the case")
    ]


# -- emergency access -----------------------------------------------------------------------


def test_emergency_access_refused_for_its_reason_or_its_case_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    police = demo_client(demo_hub, demo_user(demo_session, POLICE, Role.CASE_OFFICER))
    theirs = _own_case(demo_session)
    own = open_cases(demo_session, POLICE)[0]

    too_short = _post(police, "/emergency", reference=theirs.reference, reason="Urgent")
    assert "at least 20 characters" in too_short.get_data(as_text=True)
    assert _refusals(demo_session, too_short) == [("break_glass", None, "refused input: reason")]
    nothing = _post(police, "/emergency", reference="", reason="")
    assert _refusals(demo_session, nothing) == [
        ("break_glass", None, "refused input: reason, reference")
    ]
    typed = _post(police, "/emergency", reference=SECRET, reason=f"Risk to life at {SECRET}")
    assert _refusals(demo_session, typed) == [("break_glass", None, acts.NO_SUCH_CASE)]
    own_case = _post(
        police, "/emergency", reference=own.reference, reason="Risk to life: a threat to kill"
    )
    assert "your own agency&#39;s case" in own_case.get_data(as_text=True)
    assert [(a, o) for a, o, _ in _refusals(demo_session, own_case)] == [
        ("break_glass", str(own.id))
    ]


def test_a_review_of_emergency_access_refused_for_its_note_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = open_cases(demo_session, LARKMOOR)[1]
    glass = emergency.break_glass(
        demo_session,
        Actor.of(demo_user(demo_session, POLICE, Role.CASE_OFFICER)),
        case.reference,
        "A threat to life was reported tonight by a neighbour",
    )
    demo_session.commit()
    manager = demo_client(demo_hub, demo_user(demo_session, LARKMOOR, Role.MANAGER))
    path = f"/emergency/reviews/{glass.id}"

    too_short = _post(manager, path, note="Fine")
    too_long = _post(manager, path, note=SECRET * 100)

    assert "at least 10 characters" in too_short.get_data(as_text=True)
    assert _refusals(demo_session, too_short) == [
        ("break_glass.review", str(case.id), f"refused input: emergency access {glass.id} note")
    ]
    assert _refusals(demo_session, too_long) == [
        ("break_glass.review", str(case.id), f"refused input: emergency access {glass.id} note")
    ]


# -- search -------------------------------------------------------------------------------


def test_a_search_refused_for_what_was_typed_or_who_asks_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    officer = demo_client(demo_hub, demo_user(demo_session, LARKMOOR, Role.CASE_OFFICER))

    not_a_postcode = _post(officer, "/search", kind="postcode", postcode=SECRET)
    assert _refusals(demo_session, not_a_postcode) == [("search", None, "refused input: postcode")]
    no_kind = _post(officer, "/search", kind="shoe_size", surname=SECRET)
    assert _refusals(demo_session, no_kind) == [("search", None, "refused input: kind")]

    viewer = demo_client(demo_hub, demo_user(demo_session, ADULTS, Role.PARTNER_VIEWER))
    not_allowed = viewer.get("/search")
    assert [a for a, _, _ in _refusals(demo_session, not_allowed, 403)] == ["page.refused"]


# -- outcome forms ------------------------------------------------------------------------


def test_the_review_outcome_form_refused_for_its_input_is_recorded(
    demo_hub: Flask, demo_session: Session
) -> None:
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id)
    ).first()
    assert application is not None
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    page = f"/trigger/{application.id}"

    too_long = _post(
        lead, f"{page}/outcome", page, findings="x" * (MAX_FINDINGS + 1), next_steps=SECRET
    )

    assert _refusals(demo_session, too_long) == [
        ("trigger.outcome", str(application.id), "refused input: findings")
    ]
    appeal = _post(lead, f"{page}/appeal", page, reasons=SECRET)
    assert _refusals(demo_session, appeal) == [
        ("trigger.appeal", str(application.id), "refused input: received_on")
    ]


def test_a_referrals_outcome_refused_by_the_core_is_recorded(  # recorded twice, say
    demo_hub: Flask, demo_session: Session
) -> None:
    referral, case = next(
        (r, r.case)
        for r in demo_session.scalars(select(Referral).order_by(Referral.id))
        if r.outcome is None
        and r.case.status is not CaseStatus.CLOSED
        and not r.case.locked
        and r.case.erased_at is None
        and r.case.officer.active
    )
    officer = _officer(demo_hub, demo_session, case)
    path = f"/cases/{case.id}/referrals/{referral.id}"
    page = officer.get(path).get_data(as_text=True)
    choice = page.split('name="outcome" type="radio" value="', 1)[1].split('"', 1)[0]

    assert _post(officer, path, outcome=choice, note="Visited").status_code == 302
    twice = _post(officer, path, outcome=choice, note="Visited again")
    assert "already recorded" in twice.get_data(as_text=True)
    assert _refusals(demo_session, twice) == [
        ("case.record", str(case.id), f"refused input: referral {referral.id} outcome")
    ]
