"""A refused letter or share is an entry in the audit log, as every other refused act is
(demo partnership): an officer sharing a case with a partner the protocol gives nothing
to, for a purpose the form does not offer, or again while the same share is live; writing
a letter to someone it may not go to, a letter not in the letters file, or one without
its details (a standard letter, or the complainant's action plan letter). Each page answers 400 at its field and saves nothing; each writes one
refused entry naming the field and the rule in identifiers (never a name or what was
typed), which outlives the roll-back; the agency's DPO finds it on the audit log's page,
and the log still verifies (what ``hub audit verify`` checks). Before, these refusals
answered the officer and left no trace."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit.log import integrate
from sharing.audit.verification import verify
from sharing.models import Agency, AuditEntry, AuditQueued, Case, ProtocolRecord, Share, User
from sharing.vocabulary import CaseStatus, PartyRole, ProtocolStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.forms import form_on
from tests.test_no_leaks import leaked, personal_values

PURPOSE = "asb_case_management"


def _entries(session: Session, request_id: str) -> list[AuditEntry | AuditQueued]:
    """The entries one request wrote, whether the log has taken them in yet or not."""
    session.expire_all()
    logged = session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))
    queued = session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id))
    return [*logged, *queued]


def _refused_once(session: Session, response, action: str, case_id: int) -> str:
    """The one refused entry the request wrote (it wrote no allowed act), its basis."""
    assert response.status_code == 400, response.status_code
    entries = _entries(session, response.headers["X-Request-Id"])
    refused = [e for e in entries if e.outcome == "refused"]
    assert [(e.action, e.object_type, e.object_id) for e in refused] == [
        (action, "case", str(case_id))
    ], [(e.action, e.outcome, e.basis) for e in entries]
    assert not [e for e in entries if e.outcome == "allowed" and e.action != "case.view"]
    return refused[0].basis or ""


def _seen_by_the_dpo(app: Flask, session: Session, case: Case, action: str) -> str:
    """The audit log's page as the owning agency's DPO filters it by case and action."""
    integrate(session)
    session.commit()
    dpo = demo_client(app, demo_user(session, case.agency.code, Role.DPO))
    page = dpo.get(f"/audit?case={case.reference}&action={action}")
    assert page.status_code == 200
    return html.unescape(page.get_data(as_text=True))


def _protocol(session: Session, key: str) -> ProtocolRecord:
    record = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == key, ProtocolRecord.status == ProtocolStatus.ACTIVE
        )
    )
    assert record is not None
    return record


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    assert agency is not None
    return agency


def _unshared_case(session: Session) -> Case:
    case = session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.status == CaseStatus.ACTIVE,
            Case.agency.has(code="larkmoor-ha"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    assert case is not None
    return case


def _share(client: FlaskClient, case_id: int, **fields: str):
    path = f"/cases/{case_id}/shares/new"
    until = clock.today() + timedelta(days=30)
    data = {
        "until-day": str(until.day),
        "until-month": str(until.month),
        "until-year": str(until.year),
        "csrf_token": csrf_token(client, path),
        **fields,
    }
    return client.post(path, data=data)


def _no_personal_data(session: Session, bases: list[str]) -> None:
    assert leaked("\n".join(bases).encode(), personal_values(session)) == []
    for basis in bases:
        assert not re.search(r"[A-Z]{2}\d", basis), basis  # nor a postcode


def test_refused_shares_are_recorded_and_the_dpo_sees_them(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _unshared_case(demo_session)
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    asb = _protocol(demo_session, "northshire-asb-case-management")
    conference = _protocol(demo_session, "northshire-case-conference")
    adults = _agency(demo_session, "northshire-adults")
    police = _agency(demo_session, "northshire-police")
    named = f"protocol {asb.key} version {asb.version}"

    # A partner the protocol gives nothing to for the purpose: refused by the core.
    not_party = _share(
        client, case.id, agency=str(adults.id), protocol_purpose=f"{asb.id}:{PURPOSE}"
    )
    assert "is not a party that may receive case data" in not_party.get_data(as_text=True)
    assert _refused_once(demo_session, not_party, "share.create", case.id) == (
        f"refused input: agency_id: {named} gives agency {adults.id} nothing for the purpose "
        "(manual)"
    )
    # A purpose the form does not offer (a conference's shares are the conference's).
    workflow = _share(
        client,
        case.id,
        agency=str(police.id),
        protocol_purpose=f"{conference.id}:case_conference",
    )
    assert "made by inviting the agency to the conference" in workflow.get_data(as_text=True)
    assert (
        _refused_once(demo_session, workflow, "share.create", case.id)
        == "refused input: protocol_purpose"
    )
    # The same share again while it is live.
    fields = {"agency": str(police.id), "protocol_purpose": f"{asb.id}:{PURPOSE}"}
    assert _share(client, case.id, **fields).status_code == 302
    demo_session.expire_all()
    live = demo_session.scalar(select(Share).where(Share.case_id == case.id))
    assert live is not None
    again = _share(client, case.id, **fields)
    assert _refused_once(demo_session, again, "share.create", case.id) == (
        f"refused input: agency_id: share {live.id} with agency {police.id} under {named} "
        "is live (manual)"
    )
    demo_session.expire_all()
    assert demo_session.scalars(select(Share.id).where(Share.case_id == case.id)).all() == [live.id]

    page = _seen_by_the_dpo(demo_hub, demo_session, case, "share.create")
    assert page.count(">Refused<") == 3, page
    # The "why" in words; the entries keep what was written (above).
    said, title = "Refused for what was typed in", f"{asb.title} (version {asb.version})"
    assert f"Purpose: asb case management. {said} agency: {title} gives" in page
    assert f"{said} protocol and purpose" in page
    assert f"Share {live.id} with {police.name} under {title} is live" in page
    entries = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "share.create", AuditEntry.object_id == str(case.id)
        )
    ).all()
    _no_personal_data(demo_session, [e.basis or "" for e in entries])
    result = verify(demo_session)
    assert result.ok, result.problem


def _letter_case(session: Session) -> Case:
    """An open, unlocked case of Larkmoor (whose DPO reads the log) with a victim or
    reporter and no one reported, whose officer is still here."""
    case = next(
        case
        for case in session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="larkmoor-ha"),
                Case.status != CaseStatus.CLOSED,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(Case.id)
        )
        if case.officer.active
        and any(p.role in (PartyRole.VICTIM, PartyRole.REPORTER) for p in case.parties)
        and not any(p.role is PartyRole.REPORTED for p in case.parties)
    )
    return case


def _letter(client: FlaskClient, case_id: int, **fields: str):
    path = f"/cases/{case_id}/letters/new"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields})


def test_refused_letters_are_recorded_and_the_dpo_sees_them(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _letter_case(demo_session)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    client = demo_client(demo_hub, case.officer)
    refusals = [
        # A warning goes to a reported person: the core refuses the victim.
        (
            {"letter": "warning", "person": str(victim.person_id), "details": "Loud music"},
            "Select who the letter is for: a reported person on this case",
            "refused input: person (letter warning: not to a reported on the case)",
        ),
        # A letter the letters file does not hold: the form refuses it.
        (
            {"letter": "nonsense", "person": str(victim.person_id)},
            "Select which letter",
            "refused input: letter",
        ),
        # The closure letter without its details.
        (
            {"letter": "closure", "person": str(victim.person_id), "details": "  "},
            "Write why the case is closing, and what was done",
            "refused input: details (letter closure: its details)",
        ),
    ]
    bases = []
    for fields, said, basis in refusals:
        response = _letter(client, case.id, **fields)
        assert said in response.get_data(as_text=True), fields
        bases.append(_refused_once(demo_session, response, "case.record", case.id))
        assert bases[-1] == basis, fields
    # The complainant's action plan letter, without what we ask of them.
    path = f"/cases/{case.id}/letter"
    form = form_on(client.get(path).get_data(as_text=True), path)
    form["person"] = str(victim.person_id)
    form["asks"] = "  "
    plan = client.post(path, data=form)
    assert "Say what you ask of them" in plan.get_data(as_text=True)
    bases.append(_refused_once(demo_session, plan, "case.record", case.id))
    assert bases[-1] == "refused input: action plan letter asks"
    demo_session.expire_all()
    assert not demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "case.record",
            AuditEntry.outcome == "allowed",
            AuditEntry.object_id == str(case.id),
            AuditEntry.basis.like("letter %"),
        )
    ).all()

    page = _seen_by_the_dpo(demo_hub, demo_session, case, "case.record")
    for basis in bases:  # in words on the page
        assert basis.replace("refused input: ", "Refused for what was typed in ") in page, basis
    _no_personal_data(demo_session, bases)
    result = verify(demo_session)
    assert result.ok, result.problem
