"""Suspending a protocol while a new version of it, signed by every party, waits for its
start date: the suspension stops sharing under the protocol at once and for good, as the
page that asks first says (a demo partnership of this module's own, as the suspension is
committed)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from sharing import clock
from sharing.models import Agency, Case, ProtocolRecord, Share
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols import records as protocol_records
from sharing.vocabulary import ProtocolStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user, next_version, signed_protocol

PURPOSE = "asb_case_management"
KEY = "northshire-asb-case-management"


def _signed_version_2(session, start) -> ProtocolRecord:
    v1 = signed_protocol(session, KEY)
    text = (
        next_version(session, KEY)
        .replace(f"start = {v1.start_on.isoformat()}", f"start = {start.isoformat()}")
        .replace(f"review = {v1.review_on.isoformat()}", f"review = {start + timedelta(days=1)}")
    )
    dpo = demo_actor(session, "northshire-police", Role.DPO)
    v2 = protocol_lifecycle.import_protocol(session, dpo, text, source="v2")
    for agency_id, role in protocol_records.party_agencies(session, v2).items():
        code = session.get(Agency, agency_id).code
        protocol_lifecycle.sign(session, demo_actor(session, code, role), v2.id)
    session.commit()
    return v2


def test_a_suspension_is_not_lifted_by_a_new_version_signed_before_it(
    demo_hub, demo_session
) -> None:
    start = clock.today() + timedelta(days=30)
    v1 = signed_protocol(demo_session, KEY)
    v2 = _signed_version_2(demo_session, start)
    share = demo_session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.purpose == PURPOSE,
            Case.locked.is_(False),
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    )
    share.until = start + timedelta(days=10)
    demo_session.commit()
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    case_page = f"/cases/{share.case_id}?purpose={PURPOSE}"
    assert police.get(case_page).status_code == 200

    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    path = f"/protocols/{v1.id}/suspend"
    asked = dpo.get(path).get_data(as_text=True)
    assert "Suspending stops all sharing under this protocol at once" in asked
    done = dpo.post(path, data={"reason": "data_incident", "csrf_token": csrf_token(dpo, path)})
    assert done.status_code == 302

    assert police.get(case_page).status_code in (403, 404)
    with clock.pinned(datetime.combine(start, time(12), tzinfo=UTC)):
        police = demo_client(
            demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
        )
        assert police.get(case_page).status_code in (403, 404)
    demo_session.expire_all()
    for record in (v1, v2):
        assert demo_session.get(ProtocolRecord, record.id).status is ProtocolStatus.SUSPENDED
