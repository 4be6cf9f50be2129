"""The demo's escalations reach the partners holding a share, as a real one does (demo
partnership): a landlord's case shared with the police and escalated since, its officer's
decision still to record, is under the police sergeant's Alerts, linking to the case. Before,
the demo assessed risk before it shared any case, so no partner was ever alerted and the
sergeant's Alerts were empty."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Alert, Case, Escalation, Share
from sharing.vocabulary import AlertKind, CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user

POLICE = "northshire-police"


def _escalated_after_shared(session: Session) -> list[Case]:
    """Open, unlocked cases shared with the police whose escalation waits for a decision,
    raised after the share was made."""
    rows = session.execute(
        select(Case)
        .join(Escalation, Escalation.case_id == Case.id)
        .join(Share, Share.case_id == Case.id)
        .where(
            Escalation.considered_at.is_(None),
            Escalation.raised_at > Share.created_at,
            Share.revoked_at.is_(None),
            Share.agency.has(code=POLICE),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
        )
        .order_by(Case.id)
    ).scalars()
    return list(dict.fromkeys(rows))


def test_the_sergeant_is_alerted_of_the_demos_escalated_cases_shared_with_the_police(
    demo_hub: Flask, demo_session: Session
) -> None:
    cases = _escalated_after_shared(demo_session)
    assert cases, "the demo escalates a case shared with the police"
    sergeant = demo_user(demo_session, POLICE, Role.MANAGER)
    client = demo_client(demo_hub, sergeant)

    page = client.get("/alerts").get_data(as_text=True)

    for case in cases:
        assert f"Case {case.reference}, shared with your agency by" in page
        assert f'href="/cases/{case.id}">Open case {case.reference}</a>' in page
    home = client.get("/").get_data(as_text=True)
    assert "Shared case escalated: " in home  # counted on the home page, never named
    alerted = demo_session.scalars(
        select(Alert.case_id).where(
            Alert.kind == AlertKind.RISK_ESCALATION, Alert.agency_id == sergeant.agency_id
        )
    ).all()
    assert set(alerted) == {c.id for c in cases}
