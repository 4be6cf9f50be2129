"""The e-mail telling a partner their request for more was answered by a share links to
the case as that new share opens it (demo partnership): the police read a landlord's case
through a case conference's share, ask for more, and the case's officer shares it with
them for ASB case management from the request; the link names that purpose, not the
conference's, and opens the case with what the new share gives."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import share_ending, shares
from sharing.models import MoreRequest, Notice, ProtocolRecord, User
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import NoticeKind, ProtocolStatus, Role, ShareOrigin
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, share_not_asked_for_more

POLICE = "northshire-police"
CASE_MANAGEMENT = "asb_case_management"
CONFERENCE = "case_conference"


def _date_fields(name: str, day: object) -> dict[str, str]:
    return {f"{name}-{part}": str(getattr(day, part)) for part in ("day", "month", "year")}


def test_the_answer_by_a_share_links_to_the_case_for_the_new_shares_purpose(
    demo_hub: Flask, demo_session: Session
) -> None:
    held = share_not_asked_for_more(demo_session, POLICE)
    case = held.case
    officer = demo_session.get(User, case.officer_id)
    share_ending.revoke_share(demo_session, Actor.of(officer), held.id)
    protocol = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    shares.share_case(
        demo_session,
        authorise(demo_session, Actor.of(officer), case.id, Act.CONVENE),
        agency_id=held.agency_id,
        protocol_id=protocol.id,
        purpose=CONFERENCE,
        until=clock.today() + timedelta(days=28),
        origin=ShareOrigin.CONFERENCE,
    )
    demo_session.commit()
    sergeant = demo_user(demo_session, POLICE, Role.MANAGER)
    police = demo_client(demo_hub, sergeant)
    ask = f"/cases/{case.id}/more?purpose={CONFERENCE}"
    asked = police.post(
        ask,
        data={
            "csrf_token": csrf_token(police, ask),
            "categories": "vulnerability",
            "why": "The victim has stopped answering the door",
            **_date_fields("due_on", england_and_wales().add(clock.today(), 2)),
        },
    )
    assert asked.status_code == 302
    request = demo_session.scalar(select(MoreRequest).where(MoreRequest.case_id == case.id))

    owner = demo_client(demo_hub, officer)
    form = f"/cases/{case.id}/shares/new?agency={held.agency_id}&request={request.id}"
    made = owner.post(
        form,
        data={
            "csrf_token": csrf_token(owner, form),
            "agency": str(held.agency_id),
            "protocol_purpose": f"{held.protocol_id}:{CASE_MANAGEMENT}",
            **_date_fields("until", clock.today() + timedelta(days=30)),
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)

    demo_session.expire_all()
    told = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.MORE_ANSWERED,
            Notice.user_id == sergeant.id,
            Notice.path.endswith(f"#more-{request.id}"),
        )
    ).all()
    link = f"/cases/{case.id}?purpose={CASE_MANAGEMENT}#more-{request.id}"
    assert [n.path for n in told] == [link]
    page = police.get(link.partition("#")[0])
    assert page.status_code == 200
    assert "shared more." in page.get_data(as_text=True)
