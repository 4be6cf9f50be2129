"""Acts that stop someone's access ask first: suspending a protocol, withdrawing a
conference invitation, revoking a share and disabling an account each go through a page
that says what will happen, with a warning button and a Cancel link, and nothing changes
until it is confirmed (demo partnership)."""

from __future__ import annotations

import re

from sqlalchemy import select

from sharing import clock
from sharing.models import (
    AuditEntry,
    Case,
    Conference,
    ConferenceInvitation,
    ProtocolRecord,
    Share,
    User,
)
from sharing.vocabulary import ProtocolStatus, Role, SuspensionReason
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

KEY = "northshire-asb-case-management"


def _protocol(session) -> ProtocolRecord:
    return session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == KEY, ProtocolRecord.status == ProtocolStatus.ACTIVE
        )
    )


def _shared_links(client) -> int:
    page = client.get("/shared").get_data(as_text=True)
    return len(re.findall(r'href="/cases/\d+\?purpose=', page))


def test_suspending_a_protocol_asks_for_a_reason_on_a_page_that_says_what_stops(
    demo_hub, demo_session
) -> None:
    protocol = _protocol(demo_session)
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    shown = dpo.get(f"/protocols/{protocol.id}").get_data(as_text=True)
    path = f"/protocols/{protocol.id}/suspend"
    assert f'href="{path}"' in shown  # a link to the page that asks, not a button that acts
    assert f'action="{path}"' not in shown
    asking = dpo.get(path)
    assert asking.status_code == 200
    page = asking.get_data(as_text=True)
    assert "Are you sure you want to suspend this protocol?" in page
    for party in ("Northshire Police", "Larkmoor Housing Association"):
        assert party in page
    assert re.search(r"\d+ live shares? of \d+ cases?", page)
    assert "cannot be undone" in page
    assert "signed by every party" in page
    assert "Yes, suspend the protocol" in page
    assert "govuk-button--warning" in page
    assert f'href="/protocols/{protocol.id}">Cancel</a>' in page
    before = _shared_links(police)
    demo_session.expire_all()
    assert _protocol(demo_session).id == protocol.id  # asking changed nothing

    token = csrf_token(dpo, path)
    no_reason = dpo.post(path, data={"csrf_token": token})
    assert no_reason.status_code == 400
    assert "Select why you are suspending the protocol" in no_reason.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(ProtocolRecord, protocol.id).status is ProtocolStatus.ACTIVE
    assert _shared_links(police) == before

    done = dpo.post(
        path,
        data={
            "csrf_token": token,
            "reason": SuspensionReason.DATA_INCIDENT.value,
            "note": "Incident ref DPO-2291 under investigation",
        },
    )
    assert done.status_code == 302
    demo_session.expire_all()
    suspended = demo_session.get(ProtocolRecord, protocol.id)
    try:
        assert suspended.status is ProtocolStatus.SUSPENDED
        assert suspended.suspension_reason is SuspensionReason.DATA_INCIDENT
        assert suspended.suspension_note == "Incident ref DPO-2291 under investigation"
        assert suspended.suspended_by.agency.code == "northshire-police"
        assert _shared_links(police) < before
        shown = dpo.get(f"/protocols/{protocol.id}").get_data(as_text=True)
        assert SuspensionReason.DATA_INCIDENT.label in shown
        assert "Incident ref DPO-2291 under investigation" in shown
        assert f'href="{path}"' not in shown
        entry = demo_session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "protocol.status")
            .order_by(AuditEntry.seq.desc())
        )
        assert entry.basis.endswith("suspended (data_incident)")
        assert "DPO-2291" not in entry.basis  # the note stays with the protocol
        again = dpo.post(path, data={"csrf_token": token, "reason": "other"})
        assert again.status_code in (302, 403)
        assert demo_session.get(ProtocolRecord, protocol.id).suspension_reason is (
            SuspensionReason.DATA_INCIDENT
        )
    finally:
        suspended.status, suspended.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.commit()


def test_suspending_a_protocol_sent_twice_lands_on_its_page_saying_it_is_suspended(
    demo_hub, demo_session
) -> None:
    """A double click, or Back and "Yes, suspend the protocol" again: the second send
    changes nothing, shows no error and records no refusal; the DPO lands on the
    protocol's page, told it is already suspended, since when and by whom."""
    protocol = _protocol(demo_session)
    police_dpo = demo_user(demo_session, "northshire-police", Role.DPO)
    dpo = demo_client(demo_hub, police_dpo)
    path = f"/protocols/{protocol.id}/suspend"
    answer = {"csrf_token": csrf_token(dpo, path), "reason": SuspensionReason.DATA_INCIDENT.value}
    assert dpo.post(path, data=answer).status_code == 302
    entries = _entry_count(demo_session)
    try:
        for send in (
            lambda: dpo.post(path, data={**answer, "reason": SuspensionReason.OTHER.value}),
            lambda: dpo.get(path),  # nothing left to ask about
        ):
            again = send()
            assert again.status_code == 302
            assert again.location.endswith(f"/protocols/{protocol.id}")
            shown = dpo.get(again.location).get_data(as_text=True)
            assert "This protocol is already suspended" in shown
            assert f"by {police_dpo.display_name}" in shown
        assert _entry_count(demo_session) == entries  # no refusal, no second suspension
        assert demo_session.get(ProtocolRecord, protocol.id).suspension_reason is (
            SuspensionReason.DATA_INCIDENT
        )
    finally:
        suspended = demo_session.get(ProtocolRecord, protocol.id)
        suspended.status, suspended.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.commit()


def _entry_count(session) -> int:
    session.expire_all()
    return len(session.scalars(select(AuditEntry.seq)).all())


def test_only_a_partys_dpo_is_asked_to_suspend_a_protocol(demo_hub, demo_session) -> None:
    protocol = _protocol(demo_session)
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert f'href="/protocols/{protocol.id}/suspend"' not in officer.get(
        f"/protocols/{protocol.id}"
    ).get_data(as_text=True)
    assert officer.get(f"/protocols/{protocol.id}/suspend").status_code == 403
    demo_session.expire_all()
    assert demo_session.get(ProtocolRecord, protocol.id).status is ProtocolStatus.ACTIVE


def test_an_unknown_suspension_reason_is_refused_at_its_field(demo_hub, demo_session) -> None:
    protocol = _protocol(demo_session)
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    path = f"/protocols/{protocol.id}/suspend"
    refused = dpo.post(path, data={"csrf_token": csrf_token(dpo, path), "reason": "bored"})
    assert refused.status_code == 400
    assert 'href="#reason"' in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(ProtocolRecord, protocol.id).status is ProtocolStatus.ACTIVE


def _live_invitation(session) -> ConferenceInvitation:
    return session.scalar(
        select(ConferenceInvitation)
        .join(Conference, Conference.id == ConferenceInvitation.conference_id)
        .join(Case, Case.id == Conference.case_id)
        .where(
            ConferenceInvitation.withdrawn_at.is_(None),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(ConferenceInvitation.id)
    )


def test_withdrawing_an_invitation_asks_first_and_cancel_changes_nothing(
    demo_hub, demo_session
) -> None:
    invitation = _live_invitation(demo_session)
    conference = invitation.conference
    officer = demo_client(demo_hub, demo_session.get(User, conference.case.officer_id))
    page_path = f"/conferences/{conference.id}"
    path = f"{page_path}/invitations/{invitation.id}/withdraw"
    shown = officer.get(page_path).get_data(as_text=True)
    assert f'href="{path}"' in shown
    assert f'action="{path}"' not in shown
    asking = officer.get(path)
    assert asking.status_code == 200
    page = asking.get_data(as_text=True)
    agency = invitation.agency.name
    assert f"Are you sure you want to withdraw the invitation to {agency}?" in page
    assert "cannot be undone" in page
    assert "Yes, withdraw the invitation" in page
    assert f'href="{page_path}">Cancel</a>' in page
    demo_session.expire_all()
    invitation = demo_session.get(ConferenceInvitation, invitation.id)
    assert invitation.withdrawn_at is None
    assert demo_session.get(Share, invitation.share_id).revoked_at is None

    done = officer.post(path, data={"csrf_token": csrf_token(officer, path)})
    assert done.status_code == 302
    demo_session.expire_all()
    assert demo_session.get(ConferenceInvitation, invitation.id).withdrawn_at is not None
    assert demo_session.get(Share, invitation.share_id).revoked_at is not None
    assert officer.get(path).status_code == 302  # nothing left to ask about


def _police_share(session) -> Share:
    return session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Share.purpose == "asb_case_management",
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id.desc())
    )


def test_revoking_a_share_asks_first_and_cancel_changes_nothing(demo_hub, demo_session) -> None:
    share = _police_share(demo_session)
    case = share.case
    owner = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/shares/{share.id}/revoke"
    shown = owner.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="{path}"' in shown
    assert f'action="{path}"' not in shown
    asking = owner.get(path)
    assert asking.status_code == 200
    page = asking.get_data(as_text=True)
    assert "Are you sure you want to revoke the share with Northshire Police?" in page
    assert case.reference in page
    # The purpose by its title in the protocol, as the case page names it.
    assert f"open case {case.reference} for ASB case management through this share" in page
    assert "Yes, revoke the share" in page
    assert f'href="/cases/{case.id}#sharing">Cancel</a>' in page
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(path).status_code in (403, 404)
    demo_session.expire_all()
    assert demo_session.get(Share, share.id).revoked_at is None

    done = owner.post(path, data={"csrf_token": csrf_token(owner, path)})
    assert done.status_code == 302
    demo_session.expire_all()
    assert demo_session.get(Share, share.id).revoked_at is not None


def test_disabling_an_account_asks_first_and_cancel_changes_nothing(demo_hub, demo_session) -> None:
    manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    client = demo_client(demo_hub, manager)
    path = f"/people/{officer.id}/disable"
    shown = client.get("/people").get_data(as_text=True)
    assert f'href="{path}"' in shown
    assert f'action="{path}"' not in shown
    asking = client.get(path)
    assert asking.status_code == 200
    page = asking.get_data(as_text=True)
    assert f"Are you sure you want to disable {officer.display_name}&#39;s account?" in page
    assert "Yes, disable the account" in page
    assert 'href="/people">Cancel</a>' in page
    # A leaver's cases stay theirs until a manager gives them away: the page says where.
    assert "Any open cases that are theirs stay theirs until a manager gives them" in page
    assert "Open cases of officers who have left" in page
    analyst = demo_user(demo_session, "northshire-police", Role.ANALYST)
    no_cases = client.get(f"/people/{analyst.id}/disable").get_data(as_text=True)
    assert "Any open cases that are theirs" not in no_cases
    demo_session.expire_all()
    assert demo_session.get(User, officer.id).active
    own = client.get(f"/people/{manager.id}/disable")
    assert own.status_code == 302
    assert "You cannot disable your own account" in client.get("/people").get_data(as_text=True)

    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 302
    demo_session.expire_all()
    try:
        assert not demo_session.get(User, officer.id).active
    finally:
        demo_session.get(User, officer.id).active = True
        demo_session.commit()
