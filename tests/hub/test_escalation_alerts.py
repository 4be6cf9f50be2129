"""Escalation alerts as a partner's staff meet them under "Alerts": an alert names a case
shared with their agency, so it shows only while a share still lets them know the case;
a case locked, erased or no longer shared with them is not named to them (a locked case
does not exist for anyone outside its named users)."""

from __future__ import annotations

import re

from sqlalchemy import select

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import locks, share_ending
from sharing.models import Alert, Case, LockRequest, Share, User, UserRole
from sharing.risk.escalation import escalate
from sharing.vocabulary import (
    AlertKind,
    EscalationReason,
    LockReason,
    LockStatus,
    PartyRole,
    Role,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

PURPOSE = "asb_case_management"


def _cases_shared_with_police(session) -> list[Case]:
    """Open, unlocked cases with a victim shared with the police for ASB case management
    and with no other agency for anything, with no lock asked for and no escalation alert
    yet (the demo alerts the partners of its own escalations), each once."""
    found: list[Case] = []
    for share in session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.purpose == PURPOSE,
            Case.locked.is_(False),
            Case.status == "active",
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    ):
        case = session.get(Case, share.case_id)
        asked = session.scalar(
            select(LockRequest.id).where(
                LockRequest.case_id == case.id, LockRequest.status == LockStatus.REQUESTED
            )
        )  # a case whose lock is asked for already cannot be asked for again
        alerted = session.scalar(
            select(Alert.id).where(
                Alert.case_id == case.id, Alert.kind == AlertKind.RISK_ESCALATION
            )
        )
        if (
            case not in found
            and asked is None
            and alerted is None
            and any(p.role is PartyRole.VICTIM for p in case.parties)
        ):
            found.append(case)
    return found


def _escalated(session, case: Case) -> None:
    escalate(session, case, EscalationReason.HATE_INCIDENT)
    session.commit()
    assert session.scalars(
        select(Alert).where(
            Alert.case_id == case.id,
            Alert.kind == AlertKind.RISK_ESCALATION,
            Alert.agency.has(code="northshire-police"),
        )
    ).all()


def _alert_id(session, case: Case) -> int:
    return session.scalars(
        select(Alert.id).where(
            Alert.case_id == case.id,
            Alert.agency.has(code="northshire-police"),
            Alert.role == Role.CASE_OFFICER,
        )
    ).first()


def test_a_partner_is_not_shown_an_escalation_alert_once_the_case_is_locked(
    demo_hub, demo_session
) -> None:
    case = _cases_shared_with_police(demo_session)[0]
    _escalated(demo_session, case)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert case.reference in police.get("/alerts").get_data(as_text=True)

    officer = Actor.of(demo_session.get(User, case.officer_id))
    request = locks.request_lock(
        demo_session,
        authorise(demo_session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "Reported person is a member of staff",
    )
    manager = next(
        Actor.of(u)
        for u in demo_session.scalars(select(User).where(User.agency_id == case.agency_id))
        if Role.MANAGER in u.roles and u.id != officer.user_id
    )
    locks.decide_lock(demo_session, manager, request.id, approve=True)
    demo_session.commit()

    page = police.get("/alerts")
    assert page.status_code == 200
    assert case.reference not in page.get_data(as_text=True)
    alert_id = _alert_id(demo_session, case)
    path = f"/alerts/{alert_id}/dismiss"
    assert police.post(path, data={"csrf_token": csrf_token(police, "/alerts")}).status_code == 404


def test_a_partner_is_not_shown_an_escalation_alert_once_its_share_is_revoked(
    demo_hub, demo_session
) -> None:
    case = _cases_shared_with_police(demo_session)[1]
    _escalated(demo_session, case)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert case.reference in police.get("/alerts").get_data(as_text=True)

    officer = Actor.of(demo_session.get(User, case.officer_id))
    for share in demo_session.scalars(
        select(Share).where(
            Share.case_id == case.id,
            Share.agency.has(code="northshire-police"),
            Share.revoked_at.is_(None),
        )
    ).all():
        share_ending.revoke_share(demo_session, officer, share.id)
    demo_session.commit()

    assert case.reference not in police.get("/alerts").get_data(as_text=True)


def test_someone_holding_two_alerted_roles_is_alerted_once_and_dismisses_it_once(
    demo_hub, demo_session
) -> None:
    """A police sergeant who works cases too (manager and case officer) is alerted once of
    an escalation both roles are alerted of: Alerts listed it twice, and dismissing one
    left the other."""
    case = _cases_shared_with_police(demo_session)[2]
    sergeant = demo_user(demo_session, "northshire-police", Role.MANAGER)
    sergeant.role_grants.append(UserRole(role=Role.CASE_OFFICER))
    demo_session.commit()
    _escalated(demo_session, case)
    client = demo_client(demo_hub, sergeant)
    page = client.get("/alerts").get_data(as_text=True)
    assert page.count(f"Case {case.reference}, shared with your agency") == 1

    alert_id = re.search(r'action="/alerts/(\d+)/dismiss"', page)
    dismissed = client.post(
        f"/alerts/{alert_id.group(1)}/dismiss", data={"csrf_token": csrf_token(client, "/alerts")}
    )
    assert dismissed.status_code == 302
    assert case.reference not in client.get("/alerts").get_data(as_text=True)


def test_an_escalation_alert_links_to_the_case_it_names(demo_hub, demo_session) -> None:
    """The alert opens the case it names (asking, as any partner's link without one, for
    which purpose), where it linked to the whole list of cases shared with the agency, on
    whose later pages an older share's case had to be looked for."""
    case = _cases_shared_with_police(demo_session)[2]
    _escalated(demo_session, case)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = police.get("/alerts").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/cases/{case.id}">Open case {case.reference}</a>' in page
    opened = police.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Why are you opening this case?" in opened
    assert f'href="/cases/{case.id}?purpose={PURPOSE}"' in opened
