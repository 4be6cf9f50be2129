"""A partner agency told that its actions closed with the case (demo partnership, a real
SMTP server on localhost): whoever holds each (its named owner, else its agency's
managers) is told once per closing, with the case reference and a link to where they see
it closed, nothing personal; not the agency that closed the case, not for its own actions,
not anyone outside a locked case's lock; a closing refused tells no one, and a notice of
the action falling due still waiting is dropped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import agency_accounts, case_notices, clock, notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions, closing
from sharing.crypto.sealing import unseal
from sharing.models import Action, Case, LockMember, Notice, User
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    ClosureOutcome,
    ClosureReason,
    NoticeKind,
    Role,
)
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.demo_mail import BASE_URL, mail_hub  # noqa: F401 - a fixture
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_closing_open_actions import (
    OWN,
    PARTNERS,
    _close,
    _officer,
    _plain_case,
    _police,
    _with_open_actions,
)

SUBJECT = "Your agency's action closed with its case"


def _told(session: Session, case: Case) -> dict[int, list[str]]:
    """Who was told the case's actions closed with it, and the pages they were sent to."""
    session.expire_all()
    told: dict[int, list[str]] = {}
    for notice in session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.CLOSED_WITH_CASE, Notice.reference == case.reference
        )
    ):
        told.setdefault(notice.user_id, []).append(notice.path)
    return told


def _holders(session: Session, case: Case) -> set[int]:
    """Who holds the partners' actions open on the case: each one's named owner, else
    (none, or they left) its agency's managers."""
    session.expire_all()
    held: set[int] = set()
    for action in session.scalars(
        select(Action).where(
            Action.case_id == case.id,
            Action.status == ActionStatus.OPEN,
            Action.owner_agency_id != case.agency_id,
        )
    ):
        named = action.owner_user
        owners = (
            [named] if named and named.active else notices.managers(session, action.owner_agency_id)
        )
        held |= {u.id for u in owners}
    return held


def _police_action(session: Session, case: Case, owner: User | None, **extra) -> Action:
    """An action on the case (not at a conference) given to the police, to ``owner``."""
    officer = Actor.of(session.get(User, case.officer_id))
    action = actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.EARLY_INTERVENTION_OTHER,
            description=PARTNERS,
            owner_agency_id=_police(session).id,
            owner_user_id=owner.id if owner else None,
            **extra,
        ),
    )
    session.commit()
    return action


def _close_by_core(session: Session, case: Case) -> None:
    officer = Actor.of(session.get(User, case.officer_id))
    closing.close_case(
        session,
        authorise(session, officer, case.id, Act.CLOSE),
        ClosureReason.NO_CONTACT,
        outcome=ClosureOutcome.NOT_RESOLVED,
    )
    session.commit()


def test_the_police_are_told_their_conference_action_closed_with_the_case(
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        case, own, partners = _with_open_actions(session, 0)
        police_managers = notices.managers(session, _police(session).id)
        assert police_managers
        assert partners.owner_user_id is None
        officer = _officer(mail_hub, session, case)
        # A closing refused for bad input closes nothing and tells no one.
        refused = _close(officer, case, outcome="")
        assert refused.status_code == 400
        refused.close()
        assert _told(session, case) == {}
        holders = _holders(session, case)
        assert {u.id for u in police_managers} <= holders
        before = len(inbox.messages)
        closed = _close(officer, case)
        assert closed.status_code == 302, closed.get_data(as_text=True)
        closed.close()  # as a server does once the response has gone
        received = inbox.wait_for(before + len(holders))[before:]
        told = _told(session, case)
        assert set(told) == holders
        assert all(len(paths) == 1 for paths in told.values())  # once each
        link = f"/conferences/{partners.conference_id}#actions"
        assert all(told[u.id] == [link] for u in police_managers)
        about = [m for m in received if m["Subject"].startswith(SUBJECT)]
        assert len(about) == len(holders)
        assert {u.email for u in police_managers} <= {m["To"] for m in about}
        case = session.get(Case, case.id)
        personal = [OWN, PARTNERS, unseal(case, "summary") or "", unseal(case, "address") or ""]
        for message in about:
            assert message["Subject"] == f"{SUBJECT}: case {case.reference}"
            text = message.get_content()
            assert "no longer to be done" in text
            if message["To"] in {u.email for u in police_managers}:
                assert f"{BASE_URL}{link}" in text
            for value in (v for v in personal if len(v) >= 6):
                assert value not in message.as_string()
        # Nobody of the agency that closed the case is told, its own action's holders included.
        landlord = {
            u.id for u in session.scalars(select(User).where(User.agency_id == case.agency_id))
        }
        assert landlord.isdisjoint(told)
        # The police manager's link opens the conference, where it shows closed.
        page = demo_client(mail_hub, police_managers[0]).get(link.partition("#")[0])
        assert page.status_code == 200
        assert "Closed with the case" in page.get_data(as_text=True)


def test_a_named_holder_is_told_once_however_many_and_a_leavers_go_to_their_managers(
    demo_session,
) -> None:
    session = demo_session
    case = _plain_case(session, 0)
    pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    leaver = demo_user(session, "northshire-police", Role.CASE_OFFICER, 1)
    police_managers = {u.id for u in notices.managers(session, _police(session).id)}
    for owner in (pcso, pcso, leaver):
        _police_action(session, case, owner)
    agency_accounts.set_active(session, leaver, False)  # they left; their action stays theirs
    session.commit()
    _close_by_core(session, case)
    told = _told(session, case)
    assert set(told) == {pcso.id} | police_managers
    # Once each, sent to their actions list: not at a conference, they see it nowhere else.
    assert all(paths == [f"/actions#closed-with-case-{case.id}"] for paths in told.values())


def test_no_one_outside_a_locked_cases_lock_is_told(demo_session) -> None:
    session = demo_session
    case = _plain_case(session, 1)
    _police_action(session, case, None)
    case.locked = True
    session.add(LockMember(case_id=case.id, user_id=case.officer_id, named_by_id=case.officer_id))
    session.commit()
    _close_by_core(session, case)
    assert _told(session, case) == {}  # for the police the case does not exist


def test_a_notice_of_the_action_falling_due_still_waiting_is_dropped(demo_session) -> None:
    session = demo_session
    case = _plain_case(session, 2)
    pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    action = _police_action(session, case, pcso, due_on=clock.today() + timedelta(days=2))
    case_notices.actions_due(session, within_days=3)
    session.commit()
    due = select(Notice).where(
        Notice.kind == NoticeKind.ACTION_DUE, Notice.path == f"/actions#action-{action.id}"
    )
    assert session.scalars(due).all()
    _close_by_core(session, case)
    assert session.scalars(due).all() == []
    assert set(_told(session, case)) == {pcso.id}
