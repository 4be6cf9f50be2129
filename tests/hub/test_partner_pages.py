"""The sharing, locking, emergency and protocol pages as users meet them (demo partnership)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.erasure import erase_case
from sharing.crypto.sealing import unseal
from sharing.models import (
    AuditEntry,
    BreakGlass,
    Case,
    LockRequest,
    ProtocolRecord,
    Share,
    User,
)
from sharing.vocabulary import Priority, ProtocolStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_client, demo_user, police_in_emergency, shared_with_agency
from tests.fixtures.statements import walk_pages

PURPOSE = "asb_case_management"


def _live_share(session, partner: str = "northshire-police") -> Share:
    return session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(Share.revoked_at.is_(None), Case.locked.is_(False), Share.agency.has(code=partner))
        .order_by(Share.id)
    )


def test_a_partner_viewer_goes_back_from_a_shared_case_to_the_cases_shared_with_them(
    demo_hub, demo_session
) -> None:
    """A partner viewer works no cases of their own: the case page's back link is to
    what was shared with their agency, not to the case list their role cannot open (a
    refusal on every click, each an audit entry)."""
    share = _live_share(demo_session, "northshire-adults")
    viewer = demo_client(
        demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    )
    page = viewer.get(f"/cases/{share.case_id}?purpose={share.purpose}").get_data(as_text=True)
    assert 'class="govuk-back-link">Back to cases shared with us</a>' in page
    assert 'href="/shared" class="govuk-back-link"' in page
    assert 'href="/cases" class="govuk-back-link"' not in page


def test_police_open_a_shared_case_from_shared_with_us_and_see_only_their_categories(
    demo_hub, demo_session
) -> None:
    share = _live_share(demo_session)
    case = demo_session.get(Case, share.case_id)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    listing = "".join(walk_pages(police, "/shared"))  # 25 a page, newest first
    assert case.reference in listing
    assert f"/cases/{case.id}?purpose={PURPOSE}" in listing
    chooser = police.get(f"/cases/{case.id}")
    assert chooser.status_code == 200
    assert "Why are you opening this case?" in chooser.get_data(as_text=True)
    page = police.get(f"/cases/{case.id}?purpose={PURPOSE}").get_data(as_text=True)
    assert f"Case {case.reference}" in page
    assert "Shared with your agency for" in page
    assert "Not shared with your agency" in page  # vulnerability is not in the police clause
    assert "ASB case management information sharing protocol (version 1), clause" in page
    assert "purpose: ASB case management; shared with your agency until" in page
    # The clause named is a link to the protocol's page, at that clause.
    link = re.search(r'href="(/protocols/\d+)#(clause-[0-9.]+)"', page)
    assert link is not None
    assert f'id="{link[2]}"' in police.get(link[1]).get_data(as_text=True)
    assert "Add an incident" not in page
    assert "Sharing</h2>" not in page  # partners do not see the owner's share list
    forged = police.get(f"/cases/{case.id}?purpose=trigger_review")
    assert forged.status_code == 400  # asked again, saying why, as a form refuses a choice
    again = forged.get_data(as_text=True)
    assert "<title>Error: Why are you opening this case?" in again
    assert "not shared with your agency for the purpose in the address" in again
    assert f"/cases/{case.id}?purpose={PURPOSE}" in again
    assert (
        police.get(f"/cases/{case.id}/incidents/new").status_code == 403
    )  # they hold a share: refused, not hidden


def test_text_typed_as_a_purpose_is_refused_without_being_shown_or_logged(
    demo_hub, demo_session
) -> None:
    # A case shared with the police, but not for a case conference (which cases the demo
    # convenes conferences for depends on the day it is built for).
    case = next(
        case
        for case in demo_session.scalars(
            select(Case)
            .join(Share, Share.case_id == Case.id)
            .where(Share.revoked_at.is_(None), Case.locked.is_(False))
            .where(Share.agency.has(code="northshire-police"))
            .order_by(Share.id)
        )
        if not shared_with_agency(demo_session, case, "northshire-police", "case_conference")
    )
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    typed = "Jane Ashworth born 1980"  # anything can be put in an address
    for purpose in (typed, "jane_ashworth_1980"):
        refused = police.get(f"/cases/{case.id}", query_string={"purpose": purpose})
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        assert "not shared with your agency for the purpose in the address" in page
        assert "ashworth" not in page.lower()
        entry = demo_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "case.view")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert (entry.object_id, entry.outcome) == (str(case.id), "refused")
        assert "ashworth" not in f"{entry.purpose} {entry.basis}".lower()
    # A purpose of the protocols the case is not shared with the police for is named.
    refused = police.get(f"/cases/{case.id}?purpose=case_conference")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "not shared with your agency for Multi-agency ASB case conference" in page
    assert "Why are you opening this case?" in page


def test_a_live_share_whose_protocols_have_stopped_opens_nothing_and_the_case_is_not_found(
    demo_hub, demo_session
) -> None:
    share = _live_share(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    active = demo_session.scalars(
        select(ProtocolRecord).where(ProtocolRecord.status == ProtocolStatus.ACTIVE)
    ).all()
    for protocol in active:  # the share stays live; no clause gives anything for it now
        protocol.status, protocol.changed_at = ProtocolStatus.SUSPENDED, clock.now()
    demo_session.commit()
    try:
        assert share.case.reference not in police.get("/shared").get_data(as_text=True)
        for query in ({"purpose": share.purpose}, {}):
            refused = police.get(f"/cases/{share.case_id}", query_string=query)
            assert refused.status_code == 404
            assert "Why are you opening this case?" not in refused.get_data(as_text=True)
        entry = demo_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "case.view")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert (entry.object_id, entry.outcome) == (str(share.case_id), "refused")
    finally:
        for protocol in active:
            protocol.status, protocol.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.commit()


def test_roles_no_clause_gives_anything_are_not_told_which_cases_are_shared_or_why(
    demo_hub, demo_session
) -> None:
    # The partnership's Community Trigger lead: a live share with their agency gives their
    # role nothing, so they are not offered its purposes (the API: test_api.py).
    shared_with_csp = demo_session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Case.locked.is_(False),
            Share.agency.has(code="northshire-csp"),
        )
        .order_by(Share.id)
    )
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    refused = lead.get(f"/cases/{shared_with_csp.case_id}")
    assert refused.status_code == 404
    assert "Why are you opening this case?" not in refused.get_data(as_text=True)
    # As for a case that is not shared with them at all.
    assert (
        lead.get(f"/cases/{shared_with_csp.case_id}?purpose={shared_with_csp.purpose}").status_code
        == 404
    )


def test_the_owner_shares_and_revokes_from_the_case_page(demo_hub, demo_session) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.priority == Priority.AMBER,
            Case.locked.is_(False),
            Case.status == "active",
            Case.agency.has(code="larkmoor-ha"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    officer = demo_session.get(User, case.officer_id)
    client = demo_client(demo_hub, officer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "This case is not shared with any partner agency." in page
    form_path = f"/cases/{case.id}/shares/new"
    asb = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-asb-case-management")
    )
    eh = demo_session.scalar(
        select(User.agency_id).where(
            User.email.like("%northshire-council.example"), User.display_name == "Owen Prothero"
        )
    )
    token = csrf_token(client, form_path)
    until = clock.today() + timedelta(days=30)
    bad = client.post(
        form_path,
        data={
            "agency": str(eh),
            "protocol_purpose": f"{asb.id}:{PURPOSE}",
            "until-day": "1",
            "until-month": "1",
            "until-year": "2020",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400
    assert "The share must last until today or later" in bad.get_data(as_text=True)
    done = client.post(
        form_path,
        data={
            "agency": str(eh),
            "protocol_purpose": f"{asb.id}:{PURPOSE}",
            "until-day": str(until.day),
            "until-month": str(until.month),
            "until-year": str(until.year),
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Northshire Council Environmental Health" in page
    assert "Live" in page
    share = demo_session.scalar(select(Share).where(Share.case_id == case.id))
    assert (
        client.post(
            f"/shares/{share.id}/revoke",
            data={"csrf_token": csrf_token(client, f"/cases/{case.id}")},
        ).status_code
        == 302
    )
    assert "Revoked" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_lock_requested_on_the_case_page_is_decided_by_another_manager(
    demo_hub, demo_session
) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.status == "active", Case.locked.is_(False), Case.agency.has(code="wealdbrook-ht")
        )
        .order_by(Case.id.desc())
    )
    officer = demo_session.get(User, case.officer_id)
    client = demo_client(demo_hub, officer)
    colleague = next(
        u
        for u in demo_session.scalars(select(User).where(User.agency_id == officer.agency_id))
        if u.team == officer.team and u.id != officer.id
    )
    teammate = demo_client(demo_hub, colleague)
    assert teammate.get(f"/cases/{case.id}").status_code == 200
    path = f"/cases/{case.id}/lock"
    token = csrf_token(client, path)
    short = client.post(path, data={"reason": "sensitive", "note": "short", "csrf_token": token})
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert (
        client.post(
            path,
            data={
                "reason": "sensitive",
                "note": "The victim is a relative of a housing officer",
                "csrf_token": token,
            },
        ).status_code
        == 302
    )
    assert "waiting for a manager" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    manager = demo_client(demo_hub, demo_user(demo_session, "wealdbrook-ht", Role.MANAGER))
    queue = manager.get("/locks").get_data(as_text=True)
    assert case.reference in queue
    assert "The victim is a relative of a housing officer" in queue
    request_id = demo_session.scalar(select(LockRequest.id).where(LockRequest.case_id == case.id))
    for decision in ({}, {"decision": "maybe"}):  # no button's value: nothing is decided
        undecided = manager.post(
            f"/locks/{request_id}",
            data={"csrf_token": csrf_token(manager, f"/locks/{request_id}"), **decision},
        )
        assert undecided.status_code == 400
        said = undecided.get_data(as_text=True)
        assert "Select whether to approve or refuse the request" in said
        assert 'href="#decision"' in said
        assert 'id="decision"' in said
        demo_session.expire_all()
        assert demo_session.get(LockRequest, request_id).decided_at is None
    stranger = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    for member in ("2147483648", "99999999999999999999", str(stranger.id), "nobody"):
        refused = manager.post(
            f"/locks/{request_id}",
            data={
                "decision": "approve",
                "members": member,
                "csrf_token": csrf_token(manager, f"/locks/{request_id}"),
            },
        )
        assert refused.status_code == 400, member
        said = refused.get_data(as_text=True)
        assert "Select only colleagues from those offered" in said
        assert 'href="#members"' in said
        demo_session.expire_all()
        assert demo_session.get(LockRequest, request_id).decided_at is None
    decided = manager.post(
        f"/locks/{request_id}",
        data={
            "decision": "approve",
            "members": str(colleague.id),
            "csrf_token": csrf_token(manager, f"/locks/{request_id}"),
        },
    )
    assert decided.status_code == 302
    assert teammate.get(f"/cases/{case.id}").status_code == 200  # let in
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    del dpo
    other_manager_agency = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER)
    )
    assert other_manager_agency.get(f"/cases/{case.id}").status_code == 404
    assert "Locked" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_emergency_access_from_its_page(demo_hub, demo_session) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    police = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER, 1)
    )
    assert police.get(f"/cases/{case.id}").status_code == 404
    token = csrf_token(police, "/emergency")
    unknown = police.post(
        "/emergency",
        data={
            "reference": "NOPE-1",
            "reason": "A threat to kill was made an hour ago",
            "csrf_token": token,
        },
    )
    assert "No case with that reference can be opened in an emergency" in unknown.get_data(
        as_text=True
    )
    opened = police.post(
        "/emergency",
        data={
            "reference": case.reference.lower(),
            "reason": "A threat to kill was made an hour ago",
            "csrf_token": token,
        },
    )
    assert opened.status_code == 302
    page = police.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "You are using <strong>emergency access</strong>" in page
    glass = demo_session.scalar(select(BreakGlass).where(BreakGlass.case_id == case.id))
    # In UK time, as every other time the hub shows ("3:04pm"), never UTC's.
    assert f"Emergency access until {clock.moment_text(glass.expires_at)}" in page
    assert "UTC" not in page
    # The opening and the view under it are recorded for the purpose "emergency".
    demo_session.expire_all()
    entries = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case.id))
        .where(AuditEntry.action.in_(["break_glass", "case.view"]))
        .order_by(AuditEntry.seq.desc())
        .limit(2)
    ).all()
    assert {(e.action, e.purpose) for e in entries} == {
        ("break_glass", "emergency"),
        ("case.view", "emergency"),
    }
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    assert case.reference in manager.get("/alerts").get_data(as_text=True)
    assert case.reference in manager.get("/emergency/reviews").get_data(as_text=True)


def test_an_emergency_access_to_a_case_erased_since_is_reviewed_with_its_reason_and_note(
    demo_hub, demo_session
) -> None:
    """The record of an emergency access is kept six years whatever becomes of the case:
    erased since, the review page still gives the reason, and the review's note is kept."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
        .offset(1)  # erased here: not the case the module's other emergency tests open
    )
    police, opened = police_in_emergency(demo_hub, demo_session, case)
    assert opened.status_code == 302
    glass = demo_session.scalar(
        select(BreakGlass).where(BreakGlass.case_id == case.id).order_by(BreakGlass.id.desc())
    )
    manager_user = demo_user(demo_session, "northshire-homes", Role.MANAGER)
    close_for_erasure(demo_session, Actor.of(manager_user), case.id)
    erase_case(
        demo_session,
        authorise(demo_session, Actor.of(manager_user), case.id, Act.ERASE),
    )
    demo_session.commit()
    manager = demo_client(demo_hub, manager_user)
    path = f"/emergency/reviews/{glass.id}"
    form = manager.get(path).get_data(as_text=True)
    assert "A threat to kill was made an hour ago" in form
    assert "no note can be kept" not in form
    reviewed = manager.post(
        path,
        data={
            "csrf_token": csrf_token(manager, path),
            "note": "Justified: the police acted on the threat within the hour",
        },
    )
    assert reviewed.status_code == 302, reviewed.get_data(as_text=True)
    assert case.reference not in manager.get("/emergency/reviews").get_data(as_text=True)
    demo_session.expire_all()
    kept = demo_session.get(BreakGlass, glass.id)
    assert kept.reviewed_at is not None
    assert (
        unseal(kept, "review_note") == "Justified: the police acted on the threat within the hour"
    )


def test_a_partner_manager_never_reaches_the_erase_form_of_another_agencys_case(
    demo_hub, demo_session
) -> None:
    # Finding 1 of the access review: the erase page checked only the manager role, so a
    # partner's manager with break-glass saw the form, and a live share gave a 500.
    shared = demo_session.get(Case, _live_share(demo_session, "northshire-eh").case_id)
    unshared = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id.desc())
    )
    manager = demo_user(demo_session, "northshire-eh", Role.MANAGER)
    partner = demo_client(demo_hub, manager)
    token = csrf_token(partner, "/emergency")
    opened = partner.post(
        "/emergency",
        data={
            "reference": unshared.reference,
            "reason": "A threat to kill was made an hour ago",
            "csrf_token": token,
        },
    )
    assert opened.status_code == 302
    assert partner.get(f"/cases/{unshared.id}").status_code == 200  # emergency access works
    erase_data = {"reference": unshared.reference, "csrf_token": token}
    for case, status in ((unshared, 404), (shared, 403)):
        erase_data["reference"] = case.reference
        page = partner.get(f"/cases/{case.id}/erase")
        assert page.status_code == status
        assert "Erase case" not in page.get_data(as_text=True)
        assert partner.post(f"/cases/{case.id}/erase", data=erase_data).status_code == status
    demo_session.expire_all()
    assert demo_session.get(Case, unshared.id).erased_at is None
    assert demo_session.get(Case, shared.id).erased_at is None


def test_protocol_pages_show_clauses_and_signatures_and_refuse_a_bad_file(
    demo_hub, demo_session
) -> None:
    officer = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    index = officer.get("/protocols").get_data(as_text=True)
    assert "Northshire ASB case management information sharing protocol" in index
    asb = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-asb-case-management")
    )
    page = officer.get(f"/protocols/{asb.id}").get_data(as_text=True)
    assert "Only when shared" in page
    assert "Signatures" in page
    assert officer.get("/protocols/import").status_code == 403
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    refused = dpo.post(
        "/protocols/import",
        data={
            "text": "id = 'x'\nversion = 0\n",
            "csrf_token": csrf_token(dpo, "/protocols/import"),
        },
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "nothing was imported" in text
    assert "version" in text


def test_a_share_form_sent_empty_names_each_missing_answer(demo_hub, demo_session) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(Case.agency.has(code="larkmoor-ha"), Case.locked.is_(False), Case.status == "active")
        .order_by(Case.id)
    )
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/shares/new"
    before = demo_session.scalar(select(func.count()).select_from(Share))
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "agency": "", "protocol_purpose": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select the agency to share the case with" in page
    assert "Select the protocol and purpose of the share" in page
    assert "Enter the date the share ends" in page
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(Share)) == before


def test_partner_roles_are_listed_only_the_shared_cases_they_can_open_and_home_counts_them(
    demo_hub, demo_session
) -> None:
    # Finding 8 of the access review: the CSP coordinator and the Community Trigger lead
    # saw 26 cases in "Shared with us" that each refused to open, while home said none.
    for role in (Role.CONFERENCE_CHAIR, Role.TRIGGER_LEAD, Role.MANAGER):
        user = demo_user(demo_session, "northshire-csp", role)
        client = demo_client(demo_hub, user)
        listing = "".join(walk_pages(client, "/shared"))
        links = sorted(set(re.findall(r'href="(/cases/\d+\?purpose=\w+)"', listing)))
        for link in links:
            assert client.get(link).status_code == 200, (role, link)
        cases = {link.split("?")[0] for link in links}
        home = client.get("/").get_data(as_text=True)
        if cases:
            counted = "case is" if len(cases) == 1 else "cases are"
            assert f"{len(cases)} {counted} shared with you" in home, role
        else:
            assert "No cases are shared with you" in home, role
