"""Partner agencies told that a case they hold actions on is now locked (demo partnership,
a real SMTP server on localhost): when a manager approves a lock, the managers of each
partner agency holding an open action on the case are told, once per agency however many
it holds, that an action their agency holds is now on a restricted case, with a link to
their actions list that lands on those actions (on whichever page holds them) and nothing
of the case (no reference, no names, nothing the action says); the lock's audit entry
names the agencies told by id. Not the case's own agency,
not an agency whose action was closed before, nor on a refusal, an unlocking or a
decision refused for its input."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.audit.log import integrate
from sharing.cases import actions, agency_actions, closing_actions, locks
from sharing.crypto.sealing import unseal
from sharing.models import Action, Agency, AuditEntry, Case, LockRequest, Notice, User
from sharing.vocabulary import ActionKind, ActionStatus, CaseStatus, LockReason, NoticeKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user, open_cases
from tests.fixtures.demo_mail import BASE_URL, mail_hub  # noqa: F401 - a fixture
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_locked_case_actions import _open_case

SUBJECT = "Your agency's action is now on a restricted case"
SAYS = "Agree a joint visit about the noise from number twelve"


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _give(
    session: Session, case: Case, agency: Agency, owner: User | None = None, *, days: int = 9
) -> Action:
    officer = Actor.of(session.get(User, case.officer_id))
    action = actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.PERPETRATOR_VISIT,
            description=SAYS,
            owner_agency_id=agency.id,
            owner_user_id=owner.id if owner else None,
            due_on=clock.today() + timedelta(days=days),
        ),
    )
    session.commit()
    return action


def _ask(session: Session, case: Case, *, unlock: bool = False) -> LockRequest:
    officer = Actor.of(session.get(User, case.officer_id))
    request = locks.request_lock(
        session,
        authorise(session, officer, case.id, Act.REQUEST_LOCK),
        None if unlock else LockReason.SENSITIVE,
        "Reported person is a member of staff",
        unlock=unlock,
    )
    session.commit()
    return request


def _told(session: Session) -> dict[int, list[str]]:
    """Who was told of an action now on a restricted case, and the pages they were sent."""
    session.expire_all()
    told: dict[int, list[str]] = {}
    for notice in session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.ACTION_RESTRICTED).order_by(Notice.id)
    ):
        told.setdefault(notice.user_id, []).append(notice.path)
    return told


def _decisions(session: Session, case: Case) -> list[str]:
    """The bases of the case's lock decisions recorded, oldest first."""
    integrate(session)
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry.basis)
            .where(
                AuditEntry.action == acts.Action.LOCK_DECIDE.value,
                AuditEntry.object_type == "case",
                AuditEntry.object_id == str(case.id),
            )
            .order_by(AuditEntry.seq)
        )
    )


def test_each_partner_holding_an_action_is_told_once_by_email_when_the_case_is_locked(
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        case = _open_case(session)
        police, health = _agency(session, "northshire-police"), _agency(session, "northshire-eh")
        pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
        for owner in (None, pcso):  # two actions: the police are told once
            _give(session, case, police, owner)
        _give(session, case, health)
        _give(session, case, session.get(Agency, case.agency_id))  # its own: nobody told
        request = _ask(session, case)
        manager = demo_user(session, "larkmoor-ha", Role.MANAGER)
        client = demo_client(mail_hub, manager)
        path = f"/locks/{request.id}"
        # A decision refused for its input decides nothing and tells no one.
        undecided = client.post(path, data={"csrf_token": csrf_token(client, path)})
        assert undecided.status_code == 400
        undecided.close()
        assert _told(session) == {}
        managers = notices.managers(session, police.id) + notices.managers(session, health.id)
        assert managers
        before = len(inbox.messages)
        approved = client.post(
            path, data={"decision": "approve", "csrf_token": csrf_token(client, path)}
        )
        assert approved.status_code == 302, approved.get_data(as_text=True)
        approved.close()  # as a server does once the response has gone
        received = inbox.wait_for(before + len(managers))[before:]
        link = f"/actions?restricted={request.id}#restricted-{request.id}"
        # Each manager of each partner once (not the named PCSO: their managers are told).
        assert _told(session) == {u.id: [link] for u in managers}
        about = [m for m in received if m["Subject"] == SUBJECT]
        assert sorted(m["To"] for m in about) == sorted(u.email for u in managers)
        case = session.get(Case, case.id)
        said = [
            case.reference,
            SAYS,
            unseal(case, "summary") or "",
            unseal(case, "address") or "",
            case.officer.display_name,
            manager.display_name,
        ]
        for message in about:
            text = message.get_content()
            assert "now on a restricted case" in text
            assert f"{BASE_URL}{link}" in text
            for value in (v for v in said if len(v) >= 6):
                assert value not in message.as_string()
        # The lock's audit entry names the agencies told, by id.
        decided = _decisions(session, case)[-1]
        assert decided.endswith(
            f"; partner agencies told {acts.ids(sorted([police.id, health.id]))}"
        )
        assert case.reference not in decided
        # The link opens the police manager's actions list, where the action shows restricted.
        page = demo_client(mail_hub, notices.managers(session, police.id)[0]).get("/actions")
        assert page.status_code == 200
        shown = page.get_data(as_text=True)
        assert "Restricted" in shown
        assert case.reference not in shown


def test_the_lock_emails_link_opens_the_page_of_the_restricted_actions_and_lands_on_them(
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    """The e-mail's link names the lock request, nothing else: followed by a manager of the
    agency told, it opens the page of their actions list holding the actions on the case
    now restricted (here the second page, as they are due last), with an element whose id
    is the link's fragment on the first of them and a line that points to them; the list's
    own page asked for, another agency, or a number that is no approved lock open the list
    as it is, with no such element."""
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        case = _open_case(session)
        police = _agency(session, "northshire-police")
        # A page of police actions due sooner: those on the case are on a later page.
        sooner = next(c for c in open_cases(session, "larkmoor-ha") if c.id != case.id)
        for _ in range(agency_actions.PAGE_SIZE):
            _give(session, sooner, police, days=30)
        given = [_give(session, case, police, days=729), _give(session, case, police, days=730)]
        request = _ask(session, case)
        manager = demo_user(session, "larkmoor-ha", Role.MANAGER)
        client = demo_client(mail_hub, manager)
        path = f"/locks/{request.id}"
        before = len(inbox.messages)
        approved = client.post(
            path, data={"decision": "approve", "csrf_token": csrf_token(client, path)}
        )
        assert approved.status_code == 302, approved.get_data(as_text=True)
        approved.close()
        police_managers = notices.managers(session, police.id)
        received = inbox.wait_for(before + len(police_managers))[before:]
        message = next(m for m in received if m["Subject"] == SUBJECT)
        links = re.findall(rf"{re.escape(BASE_URL)}(\S+)", message.get_content())
        # Only numbers in the link: the lock request's, twice; nothing of the case.
        assert links == [f"/actions?restricted={request.id}#restricted-{request.id}"]
        address, _, fragment = links[0].partition("#")
        reader = demo_client(mail_hub, police_managers[0])
        page = reader.get(address)
        assert page.status_code == 200
        shown = page.get_data(as_text=True)
        assert re.search(r"page [2-9]\d* of", shown), "the restricted actions are on a later page"
        assert shown.count(f'id="{fragment}"') == 1
        # The element is the first of the case's rows, which follows it, marked Restricted.
        first = shown.index(f'id="{fragment}"')
        assert shown.rfind('id="action-', 0, first) == shown.index(f'id="action-{given[0].id}"')
        assert f'id="action-{given[1].id}"' in shown[first:]
        assert "Restricted" in shown[first:]
        assert f'href="#{fragment}"' in shown
        assert "your agency's 2 actions on it are marked Restricted" in shown
        assert case.reference not in shown
        # The first page asked for is the first page: the rows are not on it.
        first_page = reader.get(f"{address}&page=1").get_data(as_text=True)
        assert "page 1 of" in first_page
        assert fragment not in first_page
        # Another agency, which holds no action on the case, gets its list as it is.
        health = demo_client(mail_hub, demo_user(session, "northshire-eh", Role.MANAGER))
        theirs = health.get(address)
        assert theirs.status_code == 200
        assert fragment not in theirs.get_data(as_text=True)
        # A number that is no approved lock, or no number, opens the first page.
        for wrong in ("abc", str(request.id + 1000), "-1", "9" * 40):
            answer = reader.get(f"/actions?restricted={wrong}")
            assert answer.status_code == 200
            text = answer.get_data(as_text=True)
            assert "page 1 of" in text
            assert fragment not in text


def _no_partners_case(session: Session) -> Case:
    """An open Larkmoor case never asked to be locked on which no partner holds an open
    action."""
    partners = select(Action.case_id).where(
        Action.status == ActionStatus.OPEN,
        Action.owner_agency_id
        != select(Case.agency_id).where(Case.id == Action.case_id).scalar_subquery(),
    )
    return session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            ~Case.id.in_(select(LockRequest.case_id)),
            ~Case.id.in_(partners),
            Case.officer.has(User.active.is_(True)),
        )
        .order_by(Case.id)
    ).first()


def test_no_partner_is_told_of_a_refusal_an_unlocking_or_an_action_already_closed(
    demo_session,
) -> None:
    session = demo_session
    case = _no_partners_case(session)
    police = _agency(session, "northshire-police")
    closed = _give(session, case, police)
    sergeant = demo_actor(session, "northshire-police", Role.MANAGER)
    closing_actions.close_action(session, sergeant, closed.id, done=True, note="Visit made today")
    session.commit()
    manager = demo_actor(session, "larkmoor-ha", Role.MANAGER)
    # Refused: the case is not locked, so no one is told.
    refused = _ask(session, case)
    locks.decide_lock(session, manager, refused.id, approve=False, reason="Not an employee matter")
    session.commit()
    # Locked: the police's only action on it was done before, so they are not told.
    locks.decide_lock(session, manager, _ask(session, case).id, approve=True)
    session.commit()
    assert _told(session) == {}
    assert "told" not in _decisions(session, case)[-1]
    # Lifted, and given the police again: unlocking tells no one.
    locks.decide_lock(session, manager, _ask(session, case, unlock=True).id, approve=True)
    session.commit()
    _give(session, case, police)
    assert _told(session) == {}
    assert "told" not in _decisions(session, case)[-1]
