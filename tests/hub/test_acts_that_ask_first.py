"""Acts that stop someone's access ask first: suspending a protocol, withdrawing a
conference invitation, revoking a share and disabling an account each go through a page
that says what will happen, with a warning button and a Cancel link, and nothing changes
until it is confirmed (demo partnership)."""

from __future__ import annotations

import re

from sqlalchemy import select

from sharing import clock
from sharing.models import AuditEntry, ProtocolRecord
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
    assert "Choose why you are suspending the protocol" in no_reason.get_data(as_text=True)
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
