"""Viewing "Alerts" is a read of case data (an alert names a case, and tells its reader the
case exists with a partner), so each view is one audit entry naming the alerts shown and
the cases they name, and each dismissal one naming the alert and its case; never an
alert's words nor anything personal. The DPO's log of a case finds the views that named
it (demo partnership)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.audit.listings import listings
from sharing.models import Alert, AuditEntry, Case
from sharing.vocabulary import AlertKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_escalation_alerts import _cases_shared_with_police, _escalated


def _entries(session: Session, action: str, after: int) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
        )
    )


def _last_seq(session: Session) -> int:
    return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


def test_each_view_of_the_alerts_names_the_alerts_and_cases_it_showed(
    demo_hub, demo_session
) -> None:
    case = _cases_shared_with_police(demo_session)[3]
    _escalated(demo_session, case)
    user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, user)
    before = _last_seq(demo_session)
    page = police.get("/alerts").get_data(as_text=True)
    assert case.reference in page
    shown = [int(i) for i in re.findall(r'action="/alerts/(\d+)/dismiss"', page)]
    named = sorted(
        {
            a.case_id
            for a in demo_session.scalars(select(Alert).where(Alert.id.in_(shown)))
            if a.case_id is not None
        }
    )
    [entry] = _entries(demo_session, acts.Action.ALERTS_VIEW.value, before)
    assert (entry.outcome, entry.actor_user_id) == ("allowed", user.id)
    assert entry.basis == f"alerts {acts.ids(shown)}; cases {acts.ids(named)}"
    assert case.id in named
    assert ("cases", case.id) in listings(entry.basis, entry.object_type)
    assert case.reference not in entry.basis  # identifiers only, never an alert's words

    # Another view is another entry.
    police.get("/alerts")
    assert len(_entries(demo_session, acts.Action.ALERTS_VIEW.value, before)) == 2


def test_a_view_with_no_alerts_is_recorded_as_showing_none(demo_hub, demo_session) -> None:
    dpo = demo_user(demo_session, "larkmoor-ha", Role.DPO)
    client = demo_client(demo_hub, dpo)
    for alert in demo_session.scalars(
        select(Alert).where(Alert.agency_id == dpo.agency_id, Alert.dismissed_at.is_(None))
    ):
        alert.dismissed_at = alert.created_at
    demo_session.commit()
    before = _last_seq(demo_session)
    assert "No alerts are waiting for you." in client.get("/alerts").get_data(as_text=True)
    [entry] = _entries(demo_session, acts.Action.ALERTS_VIEW.value, before)
    assert entry.basis == "alerts none; cases none"


def test_dismissing_an_alert_is_recorded_naming_it_and_its_case(demo_hub, demo_session) -> None:
    case = _cases_shared_with_police(demo_session)[4]
    _escalated(demo_session, case)
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    page = sergeant.get("/alerts").get_data(as_text=True)
    alert_id = next(
        a.id
        for a in demo_session.scalars(
            select(Alert).where(
                Alert.case_id == case.id,
                Alert.kind == AlertKind.RISK_ESCALATION,
                Alert.role == Role.MANAGER,
            )
        )
    )
    assert f"/alerts/{alert_id}/dismiss" in page
    before = _last_seq(demo_session)
    dismissed = sergeant.post(
        f"/alerts/{alert_id}/dismiss", data={"csrf_token": csrf_token(sergeant, "/alerts")}
    )
    assert dismissed.status_code == 302
    [entry] = _entries(demo_session, acts.Action.ALERT_DISMISS.value, before)
    assert (entry.object_type, entry.object_id) == ("alert", str(alert_id))
    assert entry.basis == f"risk_escalation; case {case.id}"
    assert demo_session.get(Case, case.id).reference not in entry.basis
    # One that is not theirs to see is not found, and nothing is dismissed or recorded.
    again = _last_seq(demo_session)
    assert (
        sergeant.post(
            f"/alerts/{alert_id}/dismiss", data={"csrf_token": csrf_token(sergeant, "/alerts")}
        ).status_code
        == 404
    )
    assert _entries(demo_session, acts.Action.ALERT_DISMISS.value, again) == []


def test_with_no_alerts_the_page_says_what_would_come_there_for_each_role(
    demo_hub, demo_session
) -> None:
    """ "No alerts are waiting for you." told a manager nothing of what the page is for: with none waiting it
    says what each of the reader's roles is alerted of, and only theirs."""
    waiting = list(
        demo_session.scalars(
            select(Alert).where(Alert.dismissed_at.is_(None), Alert.agency.has(code="larkmoor-ha"))
        )
    )
    for alert in waiting:
        alert.dismissed_at = alert.created_at
    demo_session.commit()
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    page = manager.get("/alerts").get_data(as_text=True)
    assert "No alerts are waiting for you." in page
    assert "emergency (break-glass) access, for you to review" in page
    assert "asks for a case to be locked or unlocked" in page
    assert "protocol your agency signed is due for review" not in page  # the DPO's
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    page = dpo.get("/alerts").get_data(as_text=True)
    assert "protocol your agency signed is due for review" in page
    assert "asks for a case to be locked or unlocked" not in page
    for alert in waiting:  # the module's other tests find the demo's alerts as they were
        alert.dismissed_at = None
    demo_session.commit()
