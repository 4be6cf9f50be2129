"""Text-direction controls pasted in with a note, a reason or a name are left out of what
is kept, as they are from every text box (``formats.tidied``; hunt s19, finding 4): an
override in a lock request's note, an emergency access's reason or its review, an
account's team or a partner system's name would turn round, for the manager, the DPO or
the administrator who reads it, the words after it. The rest of the text is kept as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts, agency_accounts, api_clients
from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.cases import emergency, locks
from sharing.crypto.sealing import unseal
from sharing.errors import InputError
from sharing.models import Case
from sharing.vocabulary import CaseStatus, LockReason, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor, demo_user, glass_case

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: after it, "ffats" reads as "staff"


def _case(session: Session, agency: str = "northshire-homes") -> Case:
    return session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.status == CaseStatus.ACTIVE,
            Case.agency.has(code=agency),
        )
        .order_by(Case.id)
    )


def test_a_lock_requests_note_keeps_no_direction_control(demo_session: Session) -> None:
    case = _case(demo_session)
    officer = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    request = locks.request_lock(
        demo_session,
        authorise(demo_session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        f"  Reporter is a relative of {OVERRIDE}ffats\u202c  ",
    )
    assert unseal(request, "note") == "Reporter is a relative of ffats"
    demo_session.rollback()


def test_a_lock_request_of_direction_controls_only_is_no_explanation(
    demo_session: Session,
) -> None:
    case = _case(demo_session)
    officer = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    with pytest.raises(InputError, match="at least 10 characters"):
        locks.request_lock(
            demo_session,
            authorise(demo_session, officer, case.id, Act.REQUEST_LOCK),
            LockReason.SENSITIVE,
            f"staff{OVERRIDE * 8}",
        )
    demo_session.rollback()


def test_an_emergency_access_reason_and_its_review_keep_no_direction_control(
    demo_session: Session,
) -> None:
    police = demo_actor(demo_session, "northshire-police", Role.CASE_OFFICER)
    case = glass_case(demo_session, police)
    with pytest.raises(InputError, match="risk to life"):
        emergency.break_glass(demo_session, police, case.reference, f"fire{OVERRIDE * 20}")
    glass = emergency.break_glass(
        demo_session,
        police,
        case.reference,
        f"Threat to burn the house down {OVERRIDE}thginot\u2069",
    )
    assert unseal(glass, "reason") == "Threat to burn the house down thginot"
    manager = demo_actor(demo_session, case.agency.code, Role.MANAGER)
    emergency.review(
        demo_session, manager, glass.id, f"\u2067Justified\u2069: {OVERRIDE}deifitsuj ton"
    )
    assert unseal(glass, "review_note") == "Justified: deifitsuj ton"
    demo_session.rollback()


def test_an_accounts_team_keeps_no_direction_control(demo_session: Session) -> None:
    homes = _case(demo_session).agency
    user = accounts.create_user(
        demo_session,
        agency=homes,
        email="new.officer@northshire-homes.example",
        display_name="New Officer",
        roles={Role.CASE_OFFICER},
        password_hash=accounts.hash_password("a long enough password", TEST_COST),
        team=f" ASB team {OVERRIDE}htron ",
    )
    assert user.team == "ASB team htron"
    agency_accounts.change_roles(demo_session, user, {Role.CASE_OFFICER}, "\u202aASB team south")
    assert user.team == "ASB team south"
    agency_accounts.change_roles(demo_session, user, {Role.CASE_OFFICER}, OVERRIDE)
    assert user.team is None
    demo_session.rollback()


def test_a_partner_systems_name_keeps_no_direction_control(demo_session: Session) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    registered = api_clients.register(
        demo_session, user=officer, name=f"Police {OVERRIDE}sdrocer", scopes=["cases:read"]
    )
    assert registered.client.name == "Police sdrocer"
    with pytest.raises(InputError, match="Name the partner system"):
        api_clients.register(demo_session, user=officer, name=OVERRIDE, scopes=["cases:read"])
    demo_session.rollback()
