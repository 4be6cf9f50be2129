"""A protocol suspended for "Another reason (say in the note)" says that reason: the note
is asked for, so the other parties' data protection officers read why their sharing
stopped, where the protocol's page said only "Another reason (say in the note)" and no
note (demo partnership)."""

from __future__ import annotations

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


def test_another_reason_with_no_note_is_refused_at_the_note_and_nothing_stops(
    demo_hub, demo_session
) -> None:
    protocol = _protocol(demo_session)
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    entries = demo_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    try:
        _refused_twice(demo_session, dpo, protocol, entries)
    finally:
        demo_session.expire_all()
        record = demo_session.get(ProtocolRecord, protocol.id)
        record.status, record.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.commit()


def _refused_twice(demo_session, dpo, protocol: ProtocolRecord, entries: int) -> None:
    path = f"/protocols/{protocol.id}/suspend"
    for note in ("", "   "):
        refused = dpo.post(
            path,
            data={
                "csrf_token": csrf_token(dpo, path),
                "reason": SuspensionReason.OTHER.value,
                "note": note,
            },
        )
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        assert "Say in the note why you are suspending the protocol" in page
        assert 'value="other" checked' in page  # the choice kept
        demo_session.expire_all()
        assert demo_session.get(ProtocolRecord, protocol.id).status is ProtocolStatus.ACTIVE
        assert not demo_session.scalar(
            select(AuditEntry).where(
                AuditEntry.seq > entries, AuditEntry.action == "protocol.status"
            )
        )


def test_another_reason_with_its_note_suspends_and_the_page_says_why(
    demo_hub, demo_session
) -> None:
    protocol = _protocol(demo_session)
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    path = f"/protocols/{protocol.id}/suspend"
    done = dpo.post(
        path,
        data={
            "csrf_token": csrf_token(dpo, path),
            "reason": SuspensionReason.OTHER.value,
            "note": "The partnership board paused sharing pending its audit (ref PB-14)",
        },
    )
    assert done.status_code == 302
    demo_session.expire_all()
    suspended = demo_session.get(ProtocolRecord, protocol.id)
    try:
        assert suspended.status is ProtocolStatus.SUSPENDED
        shown = dpo.get(f"/protocols/{protocol.id}").get_data(as_text=True)
        assert "pending its audit (ref PB-14)" in shown
    finally:
        suspended.status, suspended.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.commit()
