"""A partner's emergency (break-glass) access to a case reaches the case's agency at once
by e-mail as well as under Alerts (demo partnership): its managers, who review it, and its
data protection officer are each told, naming the case's reference and linking to the
access among the emergency reviews, nothing of who or why. Before, only the hub's Alerts
said so, waiting until each next signed in."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import BreakGlass, Notice, User
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_actor, demo_client, glass_case, police_in_emergency


def test_the_owning_agencys_managers_and_dpo_are_e_mailed_of_an_emergency_access(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = glass_case(
        demo_session, demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    )
    _, answer = police_in_emergency(demo_hub, demo_session, case)
    assert answer.status_code == 302
    glass = demo_session.scalar(select(BreakGlass).where(BreakGlass.case_id == case.id))
    told = demo_session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.EMERGENCY_ACCESS)
    ).all()
    staff = demo_session.scalars(
        select(User).where(User.agency_id == case.agency_id, User.active)
    ).all()
    expected = {u.id for u in staff if {Role.MANAGER, Role.DPO} & set(u.roles)}
    assert expected
    assert {n.user_id for n in told} == expected
    assert {(n.reference, n.path) for n in told} == {
        (case.reference, f"/emergency/reviews#access-{glass.id}")
    }
    manager = next(u for u in staff if Role.MANAGER in u.roles)
    page = demo_client(demo_hub, manager).get("/emergency/reviews").get_data(as_text=True)
    assert f'id="access-{glass.id}"' in page
