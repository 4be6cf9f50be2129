"""Shares as the owning agency and its partners meet them: what the share form offers and
refuses, when a share ends, and what the case page says of it (demo partnership)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import casework, share_ending, shares
from sharing.crypto.sealing import unseal
from sharing.errors import InputError
from sharing.models import Agency, AuditEntry, Case, Escalation, ProtocolRecord, Share, User
from sharing.risk import escalation
from sharing.vocabulary import (
    CaseCategory,
    EscalationReason,
    Priority,
    ProtocolStatus,
    Role,
    ShareOrigin,
    Triage,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

PURPOSE = "asb_case_management"


def _protocol(session, key: str) -> ProtocolRecord:
    return session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == key, ProtocolRecord.status == ProtocolStatus.ACTIVE
        )
    )


def _agency(session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _police_share(session) -> Share:
    """A live ASB case-management share with the police of an open, unlocked case."""
    return session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.purpose == PURPOSE,
            Case.locked.is_(False),
            Case.status == "active",
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id.desc())
    )


def test_closing_a_case_ends_its_case_management_shares_but_not_a_conferences(
    demo_hub, demo_session
) -> None:
    share = _police_share(demo_session)
    case = share.case
    officer = demo_session.get(User, case.officer_id)
    conference = shares.share_case(  # as a conference's invitation makes it
        demo_session,
        authorise(demo_session, Actor.of(officer), case.id, Act.CONVENE),
        agency_id=share.agency_id,
        protocol_id=_protocol(demo_session, "northshire-case-conference").id,
        purpose="case_conference",
        until=clock.today() + timedelta(days=28),
        origin=ShareOrigin.CONFERENCE,
    )
    demo_session.commit()
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(f"/cases/{case.id}?purpose={PURPOSE}").status_code == 200
    owner = demo_client(demo_hub, officer)
    path = f"/cases/{case.id}/close"
    closed = owner.post(
        path,
        data={
            "reason": "resolved",
            "outcome": "resolved",
            "resolved_by": "warning_letter",
            "csrf_token": csrf_token(owner, path),
        },
    )
    assert closed.status_code == 302
    # The ASB case-management protocol: the share ends when the case closes; the police,
    # holding no share for it now, are asked again why they open the case (its conference's).
    again = police.get(f"/cases/{case.id}?purpose={PURPOSE}")
    assert again.status_code == 400
    assert "Why are you opening this case?" in again.get_data(as_text=True)
    listing = police.get("/shared").get_data(as_text=True)
    assert f"/cases/{case.id}?purpose={PURPOSE}" not in listing
    # The conference protocol keeps its share until the conference's actions are done.
    assert f"/cases/{case.id}?purpose=case_conference" in listing
    assert police.get(f"/cases/{case.id}?purpose=case_conference").status_code == 200
    demo_session.expire_all()
    ended = demo_session.get(Share, share.id)
    assert ended.revoked_at == demo_session.get(Case, case.id).closed_at
    assert ended.revoked_by_id == officer.id
    assert demo_session.get(Share, conference.id).revoked_at is None
    page = owner.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Ended when the case closed" in page
    # The case may have had other shares for case management (the demo differs with the
    # day it is built): each is ended and audited, this one among them.
    ended_entries = demo_session.scalars(
        select(AuditEntry.basis).where(
            AuditEntry.action == "share.revoke", AuditEntry.object_id == str(case.id)
        )
    ).all()
    assert f"share {share.id} with agency {share.agency_id}: the case closed" in ended_entries


def _unshared_case(session) -> Case:
    return session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.status == "active",
            Case.agency.has(code="larkmoor-ha"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id.desc())
    )


def _form(client, path: str, **fields: str) -> dict[str, str]:
    until = clock.today() + timedelta(days=30)
    return {
        "until-day": str(until.day),
        "until-month": str(until.month),
        "until-year": str(until.year),
        "csrf_token": csrf_token(client, path),
        **fields,
    }


def test_the_share_form_offers_only_case_management_and_refuses_a_workflows_purpose(
    demo_hub, demo_session
) -> None:
    case = _unshared_case(demo_session)
    officer = demo_session.get(User, case.officer_id)
    client = demo_client(demo_hub, officer)
    path = f"/cases/{case.id}/shares/new"
    form = client.get(path).get_data(as_text=True)
    assert f":{PURPOSE}" in form
    for workflow in ("case_conference", "community_trigger", "safeguarding_referral"):
        assert f':{workflow}"' not in form
    adults = _agency(demo_session, "northshire-adults")
    conference = _protocol(demo_session, "northshire-case-conference")
    refused = client.post(
        path,
        data=_form(
            client, path, agency=str(adults.id), protocol_purpose=f"{conference.id}:case_conference"
        ),
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Shares for a case conference are made by inviting the agency to the conference" in page
    assert 'href="#protocol_purpose"' in page
    demo_session.expire_all()
    assert demo_session.scalar(select(Share).where(Share.case_id == case.id)) is None
    with pytest.raises(InputError) as refusal:
        shares.share_case(
            demo_session,
            authorise(demo_session, Actor.of(officer), case.id, Act.SHARE),
            agency_id=adults.id,
            protocol_id=conference.id,
            purpose="case_conference",
            until=clock.today() + timedelta(days=30),
        )
    assert refusal.value.field == "protocol_id"
    demo_session.rollback()


def test_the_same_share_twice_is_refused_at_the_agency_naming_the_live_one(
    demo_hub, demo_session
) -> None:
    case = _unshared_case(demo_session)
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/shares/new"
    police = _agency(demo_session, "northshire-police")
    asb = _protocol(demo_session, "northshire-asb-case-management")
    fields = {"agency": str(police.id), "protocol_purpose": f"{asb.id}:{PURPOSE}"}
    assert client.post(path, data=_form(client, path, **fields)).status_code == 302
    again = client.post(path, data=_form(client, path, **fields))
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    until = clock.today() + timedelta(days=30)
    assert (
        f"This case is already shared with {police.name} for ASB case management until "
        f"{until.day} {until:%B %Y}: to change the date, revoke that share and share it again"
    ) in page
    assert 'href="#agency"' in page
    demo_session.expire_all()
    live = demo_session.scalars(select(Share).where(Share.case_id == case.id)).all()
    assert len(live) == 1
    share_ending.revoke_share(
        demo_session, Actor.of(demo_session.get(User, case.officer_id)), live[0].id
    )
    demo_session.commit()
    assert client.post(path, data=_form(client, path, **fields)).status_code == 302


def test_a_share_under_a_suspended_protocol_is_shown_not_in_force_saying_why(
    demo_hub, demo_session
) -> None:
    share = _police_share(demo_session)
    owner = demo_client(demo_hub, demo_session.get(User, share.case.officer_id))
    row = re.compile(r"Northshire Police</td>(.*?)</tr>", re.S)
    page = owner.get(f"/cases/{share.case_id}").get_data(as_text=True)
    assert any("Live" in r for r in row.findall(page))
    asb = _protocol(demo_session, "northshire-asb-case-management")
    asb.status, asb.changed_at = ProtocolStatus.SUSPENDED, clock.now()
    demo_session.commit()
    try:
        page = owner.get(f"/cases/{share.case_id}").get_data(as_text=True)
        police_rows = row.findall(page)
        assert not any("Live" in text for text in police_rows)
        assert any(
            "Not in force: the protocol is suspended, so the partner agency cannot open the "
            "case through it" in text
            for text in police_rows
        )
    finally:
        asb.status, asb.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.commit()


def test_an_agency_or_purpose_not_offered_is_refused_in_a_sentence(demo_hub, demo_session) -> None:
    case = _unshared_case(demo_session)
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/shares/new"
    asb = _protocol(demo_session, "northshire-asb-case-management")
    police = _agency(demo_session, "northshire-police")
    own = client.post(
        path,
        data=_form(
            client, path, agency=str(case.agency_id), protocol_purpose=f"{asb.id}:{PURPOSE}"
        ),
    )
    assert own.status_code == 400
    assert "Select a partner agency to share the case with" in own.get_data(as_text=True)
    bogus = client.post(
        path, data=_form(client, path, agency=str(police.id), protocol_purpose=f"{asb.id}:bogus")
    )
    assert bogus.status_code == 400
    assert "Select a protocol and purpose" in bogus.get_data(as_text=True)
    for page in (own.get_data(as_text=True), bogus.get_data(as_text=True)):
        assert "Choose share with" not in page
        assert "for what purpose? from the list" not in page


def test_an_agency_shares_only_under_a_protocol_it_is_a_party_to(demo_hub, demo_session) -> None:
    """Adult safeguarding signed the conference and referral protocols, not the ASB case
    management one: a case it opens cannot be shared under that protocol, which does not
    bind it (the police would receive its data under an agreement it never signed)."""
    manager = demo_user(demo_session, "northshire-adults", Role.MANAGER)
    case = casework.open_case(
        demo_session,
        Actor.of(manager),
        casework.CaseInput(
            category=CaseCategory.NOISE,
            priority=Priority.AMBER,
            triage=Triage.LOW_LEVEL,
            summary="Loud music from the flat above most nights",
        ),
    )
    demo_session.commit()
    asb = _protocol(demo_session, "northshire-asb-case-management")
    police = _agency(demo_session, "northshire-police")
    client = demo_client(demo_hub, manager)
    path = f"/cases/{case.id}/shares/new"
    assert f"{asb.id}:{PURPOSE}" not in client.get(path).get_data(as_text=True)
    with pytest.raises(InputError) as refusal:
        shares.share_case(
            demo_session,
            authorise(demo_session, Actor.of(manager), case.id, Act.SHARE),
            agency_id=police.id,
            protocol_id=asb.id,
            purpose=PURPOSE,
            until=clock.today() + timedelta(days=30),
        )
    assert refusal.value.field == "protocol_id"
    assert refusal.value.message == (
        f"Northshire Adult Safeguarding is not a party to {asb.title}: share only under a "
        "protocol your agency has signed"
    )
    demo_session.rollback()
    assert demo_session.scalar(select(Share).where(Share.case_id == case.id)) is None


def test_a_share_names_its_purpose_as_the_protocol_does_and_its_case_what_it_is_about(
    demo_hub, demo_session
) -> None:
    share = _police_share(demo_session)
    case = demo_session.get(Case, share.case_id)
    owner = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = owner.get(f"/cases/{case.id}").get_data(as_text=True)
    sharing = page[page.index('id="sharing"') :]
    assert "(version 1): ASB case management" in sharing
    assert "asb case management" not in sharing
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    shared = police.get("/shared").get_data(as_text=True)
    assert "ASB case management" in shared
    assert "Asb case management" not in shared
    # Each case says what it is about and how urgent, for the partner to choose where to start.
    row = shared[shared.index(f">{case.reference}</a>") :]
    row = html.unescape(row[: row.index("</tr>")])
    assert case.category.label in row
    assert case.priority.label in row
    opened = police.get(f"/cases/{case.id}?purpose={PURPOSE}").get_data(as_text=True)
    assert "Shared with your agency for <strong>ASB case management</strong>." in opened


def test_sharing_from_an_escalation_prompt_records_that_the_officer_acted_on_it(
    demo_hub, demo_session
) -> None:
    """The prompt ("consider a case conference, a safeguarding referral and sharing with
    the police") offers to share the case: sharing from it answers the prompt, as
    convening from it does, where the prompt stayed on the case page after the share."""
    case = _unshared_case(demo_session)
    prompt = escalation.escalate(demo_session, case, EscalationReason.HIGH_RISK)
    demo_session.commit()
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    path = f"/cases/{case.id}/shares/new?escalation={prompt.id}"
    assert f'href="{path}"' in html.unescape(case_page)
    assert "records that you acted on the case" in client.get(path).get_data(as_text=True)
    police = _agency(demo_session, "northshire-police")
    asb = _protocol(demo_session, "northshire-asb-case-management")
    fields = {"agency": str(police.id), "protocol_purpose": f"{asb.id}:{PURPOSE}"}
    assert client.post(path, data=_form(client, path, **fields)).status_code == 302

    demo_session.expire_all()
    answered = demo_session.get(Escalation, prompt.id)
    assert answered.considered_at is not None
    assert unseal(answered, "decision_note").startswith(
        "Shared with Northshire Police for ASB case management until "
    )
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "share.create")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.basis.endswith(f"; escalation {prompt.id} acted on")
    assert f"escalations/{prompt.id}" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_an_escalation_prompt_of_another_case_is_refused_on_the_share_form(
    demo_hub, demo_session
) -> None:
    case = _unshared_case(demo_session)
    other = demo_session.scalar(select(Escalation).where(Escalation.case_id != case.id))
    client = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/shares/new?escalation={other.id}"
    police = _agency(demo_session, "northshire-police")
    asb = _protocol(demo_session, "northshire-asb-case-management")
    fields = {"agency": str(police.id), "protocol_purpose": f"{asb.id}:{PURPOSE}"}
    refused = client.post(path, data=_form(client, path, **fields))
    assert refused.status_code == 400
    assert "That prompt is not on this case" in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.scalars(select(Share).where(Share.case_id == case.id)).all() == []
