"""A new version of a protocol signed before its start date, as partners and DPOs meet it:
the version in force stays in force until that day, then shares carry on under the new one
(a demo partnership of this module's own, as the new version is committed)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from hub.templating import uk_date
from sharing import clock
from sharing.models import Agency, Case, ProtocolRecord, Share, User
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols import records as protocol_records
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user, next_version, signed_protocol

PURPOSE = "asb_case_management"
KEY = "northshire-asb-case-management"


def _version_2(session, start) -> ProtocolRecord:
    v1 = signed_protocol(session, KEY)
    v2 = (
        next_version(session, KEY)
        .replace(f"start = {v1.start_on.isoformat()}", f"start = {start.isoformat()}")
        .replace(f"review = {v1.review_on.isoformat()}", f"review = {start + timedelta(days=1)}")
    )
    dpo = demo_actor(session, "northshire-police", Role.DPO)
    return protocol_lifecycle.import_protocol(session, dpo, v2, source="v2")


def _police_share(session) -> Share:
    return session.scalar(
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


def _offered(client, path: str) -> list[str]:
    return re.findall(r'<option value="(\d+:[a-z_]+)"', client.get(path).get_data(as_text=True))


def _share_with_eh(session, client, case: Case, protocol_id: int, until):
    path = f"/cases/{case.id}/shares/new"
    eh = session.scalar(select(Agency.id).where(Agency.code == "northshire-eh"))
    return client.post(
        path,
        data={
            "agency": str(eh),
            "protocol_purpose": f"{protocol_id}:{PURPOSE}",
            "until-day": str(until.day),
            "until-month": str(until.month),
            "until-year": str(until.year),
            "csrf_token": csrf_token(client, path),
        },
    )


def test_partners_keep_their_access_until_version_2_starts_then_carry_on_under_it(
    demo_hub, demo_session
) -> None:
    start = clock.today() + timedelta(days=30)
    v1 = demo_session.scalar(select(ProtocolRecord).where(ProtocolRecord.key == KEY))
    v2 = _version_2(demo_session, start)
    demo_session.commit()
    draft = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    page = draft.get(f"/protocols/{v2.id}").get_data(as_text=True)
    assert (
        f"These changes take effect on {uk_date(start)} if every party has signed by then" in page
    )
    for agency_id, role in protocol_records.party_agencies(demo_session, v2).items():
        code = demo_session.get(Agency, agency_id).code
        protocol_lifecycle.sign(demo_session, demo_actor(demo_session, code, role), v2.id)
    share = _police_share(demo_session)
    share.until = start + timedelta(days=10)
    demo_session.commit()
    case = demo_session.get(Case, share.case_id)
    owner = demo_session.get(User, case.officer_id)

    # Before the start day: version 1 is in force, for the police and on the share form.
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    opened = police.get(f"/cases/{case.id}?purpose={PURPOSE}")
    assert opened.status_code == 200
    assert "ASB case management information sharing protocol (version 1), clause" in (
        opened.get_data(as_text=True)
    )
    officer = demo_client(demo_hub, owner)
    offered = _offered(officer, f"/cases/{case.id}/shares/new")
    assert f"{v1.id}:{PURPOSE}" in offered
    assert f"{v2.id}:{PURPOSE}" not in offered
    refused = _share_with_eh(demo_session, officer, case, v2.id, start)
    assert refused.status_code == 400

    # The protocols pages say what is in force now and what takes over from when.
    index = police.get("/protocols").get_data(as_text=True)
    assert f"Signed, in force from {uk_date(start)}" in index
    day_before = uk_date(start - timedelta(days=1))
    assert f"Now, until {day_before}: version 2 takes over from {uk_date(start)}" in index
    impact = draft.get(f"/protocols/{v2.id}").get_data(as_text=True)
    assert "What activating this version changes" in impact
    assert (
        f"Every party has signed. These changes take effect on {uk_date(start)}, when this "
        "version takes over from version 1; until then version 1 stays in force" in impact
    )

    # The start day, from midnight in England: the same share carries on under version 2.
    with clock.pinned(datetime.combine(start, time(12), tzinfo=UTC)):
        police = demo_client(
            demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
        )
        opened = police.get(f"/cases/{case.id}?purpose={PURPOSE}")
        assert opened.status_code == 200
        assert "ASB case management information sharing protocol (version 2), clause" in (
            opened.get_data(as_text=True)
        )
        officer = demo_client(demo_hub, owner)
        offered = _offered(officer, f"/cases/{case.id}/shares/new")
        assert f"{v2.id}:{PURPOSE}" in offered
        assert f"{v1.id}:{PURPOSE}" not in offered
        assert _share_with_eh(demo_session, officer, case, v2.id, start).status_code == 302
        index = police.get("/protocols").get_data(as_text=True)  # the sweep runs here
    demo_session.expire_all()
    assert demo_session.get(ProtocolRecord, v1.id).superseded_by_id == v2.id
