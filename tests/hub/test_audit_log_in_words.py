"""The audit log's "Why" in words a DPO reads aloud: each kind of basis, translated on
display while the entry keeps what was written; a basis it does not know shows as stored."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts, basis_names, reasons
from sharing.audit.log_rows import rows
from sharing.models import Agency, AuditEntry, Case, Share, TriggerApplication
from sharing.protocols import records as protocol_records
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.files import pdf
from tests.hub.test_documents import DIARY, _attach, _documents

KEY = "northshire-asb-case-management"
TITLE = "Northshire ASB case management information sharing protocol (version 1)"


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    assert agency is not None
    return agency


@pytest.fixture
def names(demo_hub, demo_session) -> basis_names.Names:
    police = _agency(demo_session, "northshire-police")
    share = demo_session.scalar(
        select(Share).where(Share.agency_id == police.id).order_by(Share.id)
    )
    return basis_names.Names(
        protocols=protocol_records.versions_by_key(demo_session),
        agencies={police.id: police.name},
        shares={share.id: basis_names.ShareNames("LHA-2026-0012", police.name)},
    )


def _share_id(names: basis_names.Names) -> int:
    return next(iter(names.shares))


def _police_id(names: basis_names.Names) -> int:
    return next(iter(names.agencies))


def test_roles_changed_read_as_the_roles_names(names) -> None:
    assert (
        reasons.in_words("roles analyst to analyst,dpo; team changed", names)
        == "Roles changed from analyst to analyst and data protection officer; their team changed"
    )
    assert (
        reasons.in_words("roles case_officer,trigger_lead", names)
        == "Roles: case officer and Community Trigger lead"
    )


def test_a_disclosure_names_the_clause_the_protocol_the_purpose_and_the_share(names) -> None:
    share = _share_id(names)
    basis = (
        f"identity,narrative: Protocol {KEY} version 1, clause 4.2, purpose "
        f"asb_case_management; share {share} until 3 March 2027 | risk: Your agency's own "
        "case (case officer)"
    )
    assert reasons.in_words(basis, names) == (
        f"Identity and narrative: Clause 4.2 of {TITLE}, for ASB case management; under the "
        f"share of case LHA-2026-0012 to Northshire Police (share {share}), until 3 March "
        "2027 | Risk: Their agency's own case (as case officer)"
    )


def test_a_share_made_names_the_agency_and_the_protocol(names) -> None:
    basis = (
        f"share 7 with agency {_police_id(names)} under protocol {KEY} version 1 until "
        "2027-04-05 (manual)"
    )
    assert reasons.in_words(basis, names) == (
        f"Shared with Northshire Police under {TITLE} until 5 April 2027 (share 7) (manual)"
    )


def test_protocol_changes_and_agencies_are_named(names) -> None:
    police = _police_id(names)
    assert reasons.in_words(f"{KEY} version 1: signed for agency {police}", names) == (
        f"{TITLE}: signed for Northshire Police"
    )
    assert reasons.in_words(f"action 605 done; owned by agency {police}", names) == (
        "action 605 done; owned by Northshire Police"
    )


def test_refusals_read_as_sentences(names) -> None:
    assert reasons.in_words("refused input: display_name, email", names) == (
        "Refused for what was typed in display name and email"
    )
    assert reasons.in_words(acts.NO_SUCH_CASE, names) == "No case has that number"
    assert reasons.in_words(acts.not_found_to_requester("the case is locked"), names) == (
        "Answered “not found”: the case is locked"
    )


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        (
            "refused input: other_domain",
            "Refused: the address at another agency's domain was not confirmed as theirs",
        ),
        (
            "refused input: email, other_domain",
            "Refused for what was typed in email and the confirmation of an address at "
            "another agency's domain",
        ),
        ("refused input: changed meanwhile", "Refused: someone else changed it meanwhile"),
        ("refused input: minutes agreed", "Refused: the minutes were agreed already"),
        ("refused input: conference not begun", "Refused: the conference had not begun"),
        (  # a space between the names, as some forms record them
            "refused input: date_of_birth surname",
            "Refused for what was typed in date of birth and surname",
        ),
        ("refused input: due_on", "Refused for what was typed in due date"),
        ("refused input: uprn", "Refused for what was typed in property reference (UPRN)"),
        (
            "refused input: owner_agency_id (agency not at conference 5)",
            "Refused for what was typed in agency responsible (agency not at conference 5)",
        ),
        (
            "refused input: first_party-family_name",
            "Refused for what was typed in victim or reporter: family name",
        ),
        (  # a form on one record names it first: said after the fields, as "(conference 5)"
            "refused input: action 12 due_on owner_user",
            "Refused for what was typed in due date and named person (action 12)",
        ),
        ("refused input: action 598 note", "Refused for what was typed in note (action 598)"),
        ("refused: action 12 already done", "Refused: action 12 already done"),
        ("refused: the conference is cancelled", "Refused: the conference is cancelled"),
        (
            "refused input: action 598 done_on note",
            "Refused for what was typed in date done and note (action 598)",
        ),
        (
            "refused input: document 12 marking changed meanwhile",
            "Refused: someone else changed document 12's marking meanwhile",
        ),
        (  # words, not field names: as stored
            "refused input: client id (no API client has the id given)",
            "Refused for what was typed in client id (no API client has the id given)",
        ),
        (
            "refused input: --by (no account has the e-mail address given)",
            "Refused for what was typed in --by (no account has the e-mail address given)",
        ),
        (
            "on the command line: refused input: agency_id (no agency has the code given)",
            "On the command line: Refused for what was typed in agency (no agency has the "
            "code given)",
        ),
        (
            "on the command line: hub users create: refused before it ran: --name was not given",
            "On the command line: hub users create: refused before it ran: --name was not given",
        ),
    ],
)
def test_a_refused_inputs_fields_read_as_their_forms_name_them(stored: str, said: str) -> None:
    assert reasons.in_words(stored, basis_names.Names()) == said


@pytest.mark.parametrize(
    "stored",
    [
        "cases 3,4,5; persons 9",
        "something new; roles",
        "roles not_a_role to also_not",
        f"share 99999 with agency 99999 under protocol {KEY} version 9 until 2027-13-40",
        "identity,gossip: Protocol x version 1",
    ],
)
def test_a_basis_it_does_not_know_shows_as_stored_or_nearly(names, stored: str) -> None:
    said = reasons.in_words(stored, names)
    assert said  # never fails, never empty
    for number in ("3,4,5", "99999", "not_a_role", "gossip"):
        if number in stored:
            assert number in said


def test_the_dpo_reads_a_change_of_roles_in_words_and_the_entry_keeps_its_codes(
    demo_hub, demo_session
) -> None:
    admin = demo_user(demo_session, "northshire-csp", Role.ADMINISTRATOR)
    analyst = demo_user(demo_session, "northshire-csp", Role.ANALYST)
    assert analyst.roles == {Role.ANALYST}
    client = demo_client(demo_hub, admin)
    page = f"/people/{analyst.id}/roles"
    sent = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "roles": ["analyst", "trigger_lead"],
            "team": analyst.team or "",
        },
    )
    assert sent.status_code in (302, 303), sent.get_data(as_text=True)
    demo_session.expire_all()
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "account.roles", AuditEntry.object_id == str(analyst.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis == "roles analyst to analyst,trigger_lead"  # kept as written
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    log = dpo.get("/audit?action=account.roles").get_data(as_text=True)
    assert "Roles changed from analyst to analyst and Community Trigger lead" in log
    assert "roles analyst to analyst,trigger_lead" not in log
    ended = dpo.get("/audit?action=sessions.end").get_data(as_text=True)
    assert (
        "Signed out because their roles or team changed, or whoever acted signed them out: "
        "none was open" in ended
    )
    assert "ended_by_manager" not in ended


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        (
            "password_reset: 0 sessions ended",
            "Signed out because their password was reset: none was open",
        ),
        (
            "account_disabled: 1 sessions ended",
            "Signed out because their account was disabled: 1 session ended",
        ),
        (
            "signed_out_everywhere: 3 sessions ended",
            "Signed out because they chose to sign out everywhere: 3 sessions ended",
        ),
        ("retired_reason: 2 sessions ended", "retired_reason: 2 sessions ended"),
    ],
)
def test_a_users_sessions_ended_read_as_why_and_how_many(names, stored: str, said: str) -> None:
    assert reasons.in_words(stored, names, acts.Action.SESSIONS_END.value) == said


def test_a_partners_view_reads_as_the_share_of_the_case_to_their_agency(
    demo_hub, demo_session
) -> None:
    share = demo_session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.purpose == "asb_case_management",
            Case.locked.is_(False),
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    )
    case = demo_session.get(Case, share.case_id)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(f"/cases/{case.id}?purpose=asb_case_management").status_code == 200
    demo_session.expire_all()
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq.desc())
    ).first()
    for reader in (case.agency_id, share.agency_id):  # the owner's DPO, and the police's
        (row,) = rows(demo_session, [entry], reader)
        assert "Clause 4." in row.why
        assert "Northshire ASB case management information sharing protocol (version 1)" in (
            row.why
        )
        assert f"under the share of case {case.reference} to Northshire Police" in row.why
        assert f"(share {share.id})" in row.why


@pytest.mark.parametrize(
    ("action", "stored", "said"),
    [
        (
            "case.close",
            "reason no_reports_28_days; resolved by warning_letter; closed with it: actions 4,7",
            "Closed because there have been no reports of ASB for 28 days; Resolved: the "
            "anti-social behaviour has stopped; what resolved it: warning letter; open "
            "actions closed with it: 4, 7",
        ),
        (
            "case.close",
            "reason resolved; not_resolved; closed with it: actions none; conferences 3 cancelled",
            "Closed because the ASB has been resolved; Not resolved; no open action to close; "
            "conferences 3 cancelled",
        ),
        (
            "case.review",
            "review 12; conference; next review 2026-12-20; complainant not reached",
            "Review 12; decided: refer to a case conference; next review 20 December 2026; "
            "complainant not reached",
        ),
        (
            "conference.cancel",
            "case 5; reason tenancy_ended; shares 8 ended",
            "case 5; cancelled because the tenancy of the person reported has ended; "
            "shares 8 ended",
        ),
        (
            "meeting.cancel",
            "reason too_few; conferences 2,3 cancelled",
            "Cancelled because too few members can attend; conferences 2,3 cancelled",
        ),
        (
            "trigger.decide",
            "discretion; advice not met: complaints-6-months 2 of 3",
            "Met by discretion: reviewed to protect the victim; the rules advised the threshold "
            "was not met: complaints-6-months 2 of 3",
        ),
        (
            "trigger.decide",
            "not_met; advice not met: ",
            "Threshold not met; the rules advised the threshold was not met",
        ),
        (
            "trigger.decide",
            "decided again after its appeal; met; advice not met: ",
            "Decided again after the appeal; Threshold met: the case is reviewed by the "
            "partnership; the rules advised the threshold was not met",
        ),
        (
            "lock.request",
            "request 12, reason employee_reported",
            "Lock request 12: the reported person is an employee or linked to an employee",
        ),
        ("unlock.request", "request 13", "Unlock request 13"),
        (
            "lock.decide",
            "lock request 12 approved; named users 3,4",
            "Lock request 12 approved; locked to users 3, 4",
        ),
        ("lock.decide", "unlock request 13 refused", "Unlock request 13 refused"),
        (
            "case.open",
            "first contact 2025-11-03; last contact 2026-11-20; next review 2026-12-14",
            "first contact 3 November 2025; last contact 20 November 2026; "
            "next review 14 December 2026",
        ),
        (
            "risk.record",
            "assessment 9 of person 4; own agency; categories risk, vulnerability; "
            "first contact 2026-12-09",
            "assessment 9 of person 4; own agency; categories risk, vulnerability; "
            "first contact 9 December 2026",
        ),
        (
            "trigger.correct",
            "fields victim_kind, applicant_contact; removed victim_date_of_birth; "
            "letters to go again 2; letters sent to the earlier details 1",
            "Corrected: who suffered it, how to contact whoever applied for the victim; "
            "Removed, as a business or community group has none: the victim's date of birth; "
            "letters not yet sent to go to the corrected address: 2; "
            "letters already sent to the earlier details: 1",
        ),
        (
            "break_glass",
            "emergency access 7 until 2026-07-06T19:47+00:00: Protocol northshire-emergency "
            "version 1, clause 7.1, purpose emergency",
            "Emergency access 7 until 6 July 2026 at 8:47pm: Clause 7.1 of protocol "
            "northshire-emergency version 1, for emergency",
        ),
        ("trigger.review", "sitting 31", "Review panel convened for sitting 31"),
        ("trigger.outcome", "recommendations 5,6", "Outcome recorded with recommendations 5, 6"),
        ("trigger.outcome", "no recommendations", "Outcome recorded with no recommendations"),
        ("trigger.appeal", "received 2026-11-30", "Appeal received on 30 November 2026"),
        (
            "trigger.appeal_decide",
            "partly_upheld",
            "Appeal decided: partly upheld",
        ),
        (
            "trigger.appeal_decide",
            "not_upheld",
            "Appeal decided: not upheld: the review was carried out properly",
        ),
    ],
)
def test_closures_locks_and_community_trigger_decisions_read_in_words(
    action: str, stored: str, said: str
) -> None:
    assert reasons.in_words(stored, basis_names.Names(), action) == said


@pytest.mark.parametrize(
    ("action", "stored"),
    [
        ("case.close", "reason gone_fishing; half_resolved; closed with it: actions soon"),
        ("case.close", "reason resolved; resolved by a_new_intervention"),
        ("trigger.decide", "maybe; advice unsure"),
        ("trigger.appeal_decide", "thrown_out"),
        ("meeting.cancel", "reason rain"),
        ("lock.request", "request 12, reason boredom"),
        ("lock.decide", "lock request 12 pondered"),
        ("conference.cancel", "case 5; reason None"),
    ],
)
def test_a_closure_or_decision_code_it_does_not_know_shows_as_stored(
    action: str, stored: str
) -> None:
    said = reasons.in_words(stored, basis_names.Names(), action)
    for code in ("gone_fishing", "half_resolved", "a_new_intervention", "maybe", "thrown_out"):
        if code in stored:
            assert code in said
    if action != "case.close" or "a_new" not in stored:
        assert said == stored


def test_a_refused_closure_still_reads_as_a_refusal() -> None:
    said = reasons.in_words("refused input: reason, outcome", basis_names.Names(), "case.close")
    assert said == "Refused for what was typed in reason and outcome"


def test_the_dpo_reads_a_case_closed_in_words_and_the_entry_keeps_its_codes(
    demo_hub, demo_session
) -> None:
    agency = _agency(demo_session, "larkmoor-ha")
    manager = demo_user(demo_session, agency.code, Role.MANAGER)
    case = demo_session.scalar(
        select(Case)
        .where(Case.agency_id == agency.id, Case.status != CaseStatus.CLOSED)
        .order_by(Case.id)
    )
    close_for_erasure(demo_session, Actor.of(manager), case.id)
    demo_session.commit()
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "case.close", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis.startswith("reason no_contact; not_resolved")  # kept as written
    dpo = demo_client(demo_hub, demo_user(demo_session, agency.code, Role.DPO))
    log = dpo.get("/audit?action=case.close").get_data(as_text=True)
    assert "Closed because the reporter has made no further contact; Not resolved" in log
    assert "reason no_contact" not in log


RULES = {
    "three-complaints": "Three qualifying complaints about the same problem in the previous "
    "six months",
    "hate-incident": "One qualifying complaint of a hate incident",
}


@pytest.mark.parametrize(
    ("action", "stored", "said"),
    [
        (
            "case.record",
            "document 12 added (diary_sheet, narrative; also identity, location); marked "
            "official_sensitive",
            "Document 12 added (diary sheet, narrative; also identity, location); marked "
            "OFFICIAL-SENSITIVE",
        ),
        (
            "case.record",
            "document 12 marked official_sensitive (was official)",
            "Document 12 marked OFFICIAL-SENSITIVE (was OFFICIAL)",
        ),
        (
            "case.record",
            "document 12 marked official (was not marked)",
            "Document 12 marked OFFICIAL (was not marked)",
        ),
        (
            "case.record",
            "document 12 removed (photo, narrative)",
            "Document 12 removed (photo or image, narrative)",
        ),
        (
            "trigger.view",
            "three-complaints 2 of 3; hate-incident 0 of 1; complaints 4,5",
            f"{RULES['three-complaints']}: 2 of 3; {RULES['hate-incident']}: 0 of 1; "
            "complaints 4,5",
        ),
        (
            "trigger.decide",
            "met; advice not met: three-complaints 2 of 3; hate-incident 0 of 1",
            "Threshold met: the case is reviewed by the partnership; the rules advised the "
            f"threshold was not met: {RULES['three-complaints']}: 2 of 3; "
            f"{RULES['hate-incident']}: 0 of 1",
        ),
    ],
)
def test_document_markings_and_threshold_rules_read_in_words(
    action: str, stored: str, said: str
) -> None:
    assert reasons.in_words(stored, basis_names.Names(rules=RULES), action) == said


@pytest.mark.parametrize(
    ("action", "stored"),
    [
        ("case.record", "document 12 marked top_secret (was official)"),
        ("case.record", "document 12 added (scroll, narrative); marked secret"),
        ("trigger.view", "a-rule-since-removed 2 of 3; complaints 4,5"),
        ("trigger.decide", "not_met; advice not met: a-rule-since-removed 1 of 2"),
    ],
)
def test_a_marking_or_threshold_rule_it_does_not_know_shows_as_stored(
    action: str, stored: str
) -> None:
    said = reasons.in_words(stored, basis_names.Names(rules=RULES), action)
    for code in ("top_secret", "scroll", "secret", "a-rule-since-removed 2 of 3", "1 of 2"):
        if code in stored:
            assert code in said


def test_the_dpo_reads_a_documents_marking_in_words_and_the_entry_keeps_its_codes(
    demo_hub, demo_session
) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    )
    officer = demo_client(demo_hub, case.officer)
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (diary,) = _documents(demo_session, case)[-1:]
    url = f"/cases/{case.id}/documents/{diary.id}/marking"
    marked = officer.post(
        url, data={"csrf_token": csrf_token(officer, f"/cases/{case.id}"), "marking": "official"}
    )
    assert marked.status_code == 302, marked.get_data(as_text=True)
    demo_session.expire_all()
    stored = demo_session.scalars(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "case.record", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
        .limit(2)
    ).all()
    assert stored[0] == f"document {diary.id} marked official (was official_sensitive)"
    assert stored[1].endswith("; marked official_sensitive")  # kept as written

    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    log = dpo.get(f"/audit?action=case.record&case={case.reference}").get_data(as_text=True)
    assert f"Document {diary.id} marked OFFICIAL (was OFFICIAL-SENSITIVE)" in log
    assert f"Document {diary.id} added (diary sheet, narrative" in log
    assert "marked OFFICIAL-SENSITIVE" in log
    assert "official_sensitive" not in log


def _read_by_the_lead(demo_hub, demo_session):  # type: ignore[no-untyped-def]
    """The demo's first open application, opened by the Trigger lead, and the threshold
    rules its view's audit entry counts, as it keeps them: by their ids."""
    procedure = demo_hub.extensions["hub.trigger_procedure"]
    application = demo_session.scalar(
        select(TriggerApplication)
        .where(TriggerApplication.erased_at.is_(None), TriggerApplication.closed_at.is_(None))
        .order_by(TriggerApplication.id)
    )
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    assert lead.get(f"/trigger/{application.id}").status_code == 200
    demo_session.expire_all()
    stored = demo_session.scalars(
        select(AuditEntry.basis)
        .where(AuditEntry.action == "trigger.view")
        .order_by(AuditEntry.seq.desc())
    ).first()
    counted = [r for r in procedure.rules if re.search(rf"\b{re.escape(r.id)} \d+ of", stored)]
    assert counted
    return application, counted


def test_the_dpo_reads_the_threshold_rules_by_their_words_and_the_entry_keeps_their_ids(
    demo_hub, demo_session
) -> None:
    application, counted = _read_by_the_lead(demo_hub, demo_session)

    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    log = html.unescape(dpo.get("/audit?action=trigger.view").get_data(as_text=True))
    for rule in counted:
        assert f"{rule.title}: " in log
        assert not re.search(rf"(?<![\w-]){re.escape(rule.id)} \d+ of \d+", log)


def test_the_subject_access_report_of_an_application_reads_the_threshold_rules_by_their_words(
    demo_hub, demo_session
) -> None:
    """The report's count of the rules and its part of the log say the rules as the DPO's
    log page says them."""
    application, counted = _read_by_the_lead(demo_hub, demo_session)

    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    report = dpo.get(f"/audit/subject-access/application/{application.id}")
    assert report.status_code == 200
    text = html.unescape(report.get_data(as_text=True))
    for rule in counted:
        assert f"{rule.title}: " in text
        assert not re.search(rf"(?<![\w-]){re.escape(rule.id)} \d+ of \d+", text)
