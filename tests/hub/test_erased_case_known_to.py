"""An erased case holds no one (demo partnership): the people it kept are the agency's
records, no longer part of it, so its page never says the case's people are known to
other agencies, nor records that check. Before, the page still matched the kept people's
details against every other agency's records and said "Also known to" on the erased case."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.cases.erasure import erase_case, people_left
from sharing.models import AuditEntry, Case
from sharing.vocabulary import Role
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client, demo_user

KNOWN = "Also known to:"


def test_the_page_of_an_erased_case_says_none_of_its_people_are_known_to_others(
    demo_hub: Flask, demo_session: Session
) -> None:
    session = demo_session
    manager = demo_user(session, "larkmoor-ha", Role.MANAGER)
    client = demo_client(demo_hub, manager)
    case = next(
        case
        for case in session.scalars(
            select(Case)
            .where(Case.locked.is_(False), Case.agency.has(code="larkmoor-ha"))
            .order_by(Case.id)
        )
        if KNOWN in client.get(f"/cases/{case.id}").get_data(as_text=True)
    )
    actor = demo_actor(session, "larkmoor-ha", Role.MANAGER)
    close_for_erasure(session, actor, case.id)
    erase_case(session, authorise(session, actor, case.id, Act.ERASE))
    session.commit()
    assert people_left(session, case.id)  # its people kept as the agency's records

    page = client.get(f"/cases/{case.id}")

    assert page.status_code == 200
    assert KNOWN not in page.get_data(as_text=True)
    session.expire_all()
    viewed = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "case.view", AuditEntry.object_id == str(case.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert "known to others" not in viewed.basis
