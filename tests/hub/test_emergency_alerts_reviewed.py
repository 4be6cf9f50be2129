"""A manager's alert of an emergency access, once the access is reviewed."""

from __future__ import annotations

from sqlalchemy import select

from sharing.models import BreakGlass, Case, Share
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import (
    demo_actor,
    demo_client,
    demo_user,
    glass_case,
    police_in_emergency,
)


def test_a_managers_emergency_alert_goes_once_the_access_is_reviewed(
    demo_hub, demo_session
) -> None:
    """The alert asks the owning agency's managers to review the access: once one has,
    it no longer says "review it" and links to a list saying nothing waits, for them or
    their fellow managers; the DPO, told of every emergency access, keeps theirs."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.agency.has(code="larkmoor-ha"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    police, _ = police_in_emergency(demo_hub, demo_session, case)
    glass = demo_session.scalar(select(BreakGlass).where(BreakGlass.case_id == case.id))
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    told = f"Emergency access to case {case.reference}"
    assert told in manager.get("/alerts").get_data(as_text=True)
    assert told in dpo.get("/alerts").get_data(as_text=True)

    path = f"/emergency/reviews/{glass.id}"
    reviewed = manager.post(
        path,
        data={"csrf_token": csrf_token(manager, path), "note": "Justified: police attended."},
    )
    assert reviewed.status_code == 302
    assert told not in manager.get("/alerts").get_data(as_text=True)
    assert told in dpo.get("/alerts").get_data(as_text=True)


def test_the_alert_links_to_the_access_among_the_emergency_reviews(demo_hub, demo_session) -> None:
    """As its e-mail does, the alert of an emergency access lands its manager and DPO on
    that access in the emergency reviews, not at the top of the list."""
    case = glass_case(
        demo_session,
        demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER),
        Role.MANAGER,
        Role.DPO,
    )
    police_in_emergency(demo_hub, demo_session, case)
    glass = demo_session.scalar(select(BreakGlass).where(BreakGlass.case_id == case.id))
    for role in (Role.MANAGER, Role.DPO):
        reader = demo_client(demo_hub, demo_user(demo_session, case.agency.code, role))
        alerts = reader.get("/alerts").get_data(as_text=True)
        assert f'href="/emergency/reviews#access-{glass.id}"' in alerts
        reviews = reader.get("/emergency/reviews").get_data(as_text=True)
        assert f'id="access-{glass.id}"' in reviews
