"""Actions on a locked case (demo partnership): a new one goes only to someone on the lock;
one a partner was given before the case was locked stays in the partner's list as an
action on a case now restricted, which they may still close; the case's page tells the
lock members which actions are held outside the lock, to give to someone on it or cancel."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import actions, locks
from sharing.errors import InputError
from sharing.models import Action, Agency, AuditEntry, Case, LockMember, LockRequest, User
from sharing.vocabulary import ActionKind, ActionStatus, CaseStatus, LockReason, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.fixtures.statements import walk_pages

LOCKED = "This case is locked to named people: give the action to someone on the lock, or ask for the lock to be lifted"


def _open_case(session: Session) -> Case:
    """An open Larkmoor case never asked to be locked, whose officer works it."""
    return session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            ~Case.id.in_(select(LockRequest.case_id)),
            Case.officer.has(User.active.is_(True)),
        )
        .order_by(Case.id.desc())
    ).first()


def _lock(session: Session, case: Case) -> User:
    """Lock the case by its officer's request and a manager's approval; the manager."""
    officer = Actor.of(session.get(User, case.officer_id))
    request = locks.request_lock(
        session,
        authorise(session, officer, case.id, Act.REQUEST_LOCK),
        LockReason.SENSITIVE,
        "Reported person is a member of staff",
    )
    manager = demo_actor(session, "larkmoor-ha", Role.MANAGER)
    locks.decide_lock(session, manager, request.id, approve=True)
    session.commit()
    return session.get(User, manager.user_id)


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _give(session: Session, case: Case, agency: Agency, user: User | None = None) -> Action:
    officer = Actor.of(session.get(User, case.officer_id))
    action = actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.PERPETRATOR_VISIT,
            description="Joint visit to the household about the noise",
            owner_agency_id=agency.id,
            owner_user_id=user.id if user else None,
            due_on=clock.today() + timedelta(days=9),
        ),
    )
    session.commit()
    return action


def _outsider(session: Session, case: Case) -> User:
    """A case officer of the case's agency the lock does not name."""
    members = set(session.scalars(select(LockMember.user_id).where(LockMember.case_id == case.id)))
    return next(
        u
        for u in session.scalars(
            select(User)
            .where(User.agency_id == case.agency_id, User.active.is_(True))
            .order_by(User.id)
        )
        if Role.CASE_OFFICER in u.roles and u.id not in members and u.id != case.officer_id
    )


def _action_data(client, path: str, **fields: object) -> dict[str, object]:
    due = clock.today() + timedelta(days=14)
    return {
        "kind": "warning_letter",
        "description": "Send a first warning letter about noise",
        "due_on-day": str(due.day),
        "due_on-month": str(due.month),
        "due_on-year": str(due.year),
        "csrf_token": csrf_token(client, path),
        **fields,
    }


def _open_actions(session: Session, case: Case) -> int:
    session.expire_all()
    return len(
        session.scalars(
            select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
        ).all()
    )


def test_a_new_action_on_a_locked_case_goes_only_to_someone_on_the_lock(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    manager = _lock(demo_session, case)
    police = _agency(demo_session, "northshire-police")
    colleague = _outsider(demo_session, case)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/actions/new"
    form = officer.get(path).get_data(as_text=True)
    assert "This case is locked to named people" in form
    agencies = form.split('name="owner_agency"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{case.agency_id}"' in agencies
    assert f'<option value="{police.id}"' not in agencies  # (a person's may have its number)
    assert f">{manager.display_name}, " in form
    assert f">{colleague.display_name}, " not in form
    before = _open_actions(demo_session, case)

    for fields, field in (
        ({"owner_agency": str(police.id)}, "owner_agency"),
        (
            {"owner_agency": str(case.agency_id), "owner_user": str(colleague.id)},
            "owner_user",
        ),
    ):
        refused = officer.post(path, data=_action_data(officer, path, **fields))
        assert refused.status_code == 400
        page = html.unescape(refused.get_data(as_text=True))
        assert f'href="#{field}"' in page
        assert LOCKED in page
        entry = demo_session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "case.record", AuditEntry.object_id == str(case.id))
            .order_by(AuditEntry.seq.desc())
        )
        assert entry.outcome == acts.Outcome.REFUSED.value
        assert entry.basis == f"refused input: {field}"
    assert _open_actions(demo_session, case) == before

    for fields in (
        {"owner_agency": str(case.agency_id), "owner_user": str(manager.id)},
        {"owner_agency": str(case.agency_id), "owner_user": ""},
    ):
        given = officer.post(path, data=_action_data(officer, path, **fields))
        assert given.status_code == 302
    assert _open_actions(demo_session, case) == before + 2


@pytest.mark.parametrize(
    ("to", "field"), [("police", "owner_agency_id"), ("colleague", "owner_user_id")]
)
def test_the_core_refuses_an_owner_outside_the_lock_and_records_it_by_id(
    to, field, demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    _lock(demo_session, case)
    police = _agency(demo_session, "northshire-police")
    colleague = _outsider(demo_session, case)
    officer = Actor.of(demo_session.get(User, case.officer_id))
    data = actions.ActionInput(
        kind=ActionKind.MEDIATION,
        description="Refer to mediation",
        owner_agency_id=police.id if to == "police" else case.agency_id,
        owner_user_id=colleague.id if to == "colleague" else None,
    )
    with pytest.raises(InputError) as refused:
        actions.add_action(
            demo_session, authorise(demo_session, officer, case.id, Act.RECORD), data
        )
    assert (refused.value.field, refused.value.message) == (field, LOCKED)
    demo_session.commit()
    entry = demo_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "case.record").order_by(AuditEntry.seq.desc())
    )
    who = f"agency {police.id}" if to == "police" else f"user {colleague.id}"
    assert entry.basis == f"refused input: {field}; {who} outside the lock"
    assert entry.object_id == str(case.id)


def test_an_action_given_to_a_partner_before_the_lock_stays_in_their_list_restricted(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    police = _agency(demo_session, "northshire-police")
    action = _give(demo_session, case, police)
    _lock(demo_session, case)
    pcso = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    listed = "".join(walk_pages(pcso, "/actions"))
    row = listed.split(f'id="action-{action.id}"')[1].split("</tr>")[0]
    assert ActionKind.PERPETRATOR_VISIT.label in row
    assert "On a case now restricted" in row
    assert "Larkmoor" in row
    assert case.reference not in listed
    assert case.officer.display_name not in row
    assert "Joint visit to the household" not in listed
    assert f"/actions/{action.id}/done" in row

    path = f"/actions/{action.id}/done"
    close_form = pcso.get(path)
    assert close_form.status_code == 200
    assert case.reference not in close_form.get_data(as_text=True)
    token = csrf_token(pcso, path)
    yesterday = clock.today() - timedelta(days=1)
    early = pcso.post(
        path,
        data={
            "csrf_token": token,
            "note": "Visited",
            "done_on-day": str(yesterday.day),
            "done_on-month": str(yesterday.month),
            "done_on-year": str(yesterday.year),
        },
    )
    assert early.status_code == 400
    page = html.unescape(early.get_data(as_text=True))
    assert "on or after the day the action was given" in page
    assert "the day the case was opened" not in page
    done = pcso.post(path, data={"csrf_token": token, "note": "Visited on Friday; no answer"})
    assert done.status_code == 302
    demo_session.expire_all()
    assert demo_session.get(Action, action.id).status is ActionStatus.DONE
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "action.close")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.basis == f"action {action.id} done; owned by agency {police.id}"
    assert f'id="action-{action.id}"' not in "".join(walk_pages(pcso, "/actions"))


def test_the_lock_page_lists_actions_held_outside_the_lock_to_give_to_someone_on_it(
    demo_hub, demo_session
) -> None:
    case = _open_case(demo_session)
    police = _agency(demo_session, "northshire-police")
    colleague = demo_session.get(User, _outsider(demo_session, case).id)
    to_police = _give(demo_session, case, police)
    to_colleague = _give(demo_session, case, demo_session.get(Agency, case.agency_id), colleague)
    manager = _lock(demo_session, case)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    held = page.split('id="actions-outside-the-lock"')[1].split("</table>")[0]
    assert f'id="held-{to_police.id}"' in held
    assert f'id="held-{to_colleague.id}"' in held
    assert police.name in held
    assert colleague.display_name in held

    # The colleague outside the lock is not told of the case through their list.
    outside = demo_client(demo_hub, colleague)
    assert f'id="action-{to_colleague.id}"' not in "".join(walk_pages(outside, "/actions"))
    # The manager on the lock sees their agency's action on the locked case.
    on_lock = demo_client(demo_hub, manager)
    assert f'id="action-{to_colleague.id}"' in "".join(walk_pages(on_lock, "/actions"))

    path = f"/cases/{case.id}/actions/{to_police.id}"
    form = officer.get(path).get_data(as_text=True)
    assert f'<option value="{police.id}"' in form  # left with them, it may stay
    eh = _agency(demo_session, "northshire-eh")
    data = {
        "kind": "perpetrator_visit",
        "description": "Joint visit to the household about the noise",
        "csrf_token": csrf_token(officer, path),
    }
    moved = officer.post(path, data={**data, "owner_agency": str(eh.id)})
    assert moved.status_code == 400
    assert LOCKED in html.unescape(moved.get_data(as_text=True))
    given = officer.post(
        path, data={**data, "owner_agency": str(case.agency_id), "owner_user": str(manager.id)}
    )
    assert given.status_code == 302
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    held = page.split('id="actions-outside-the-lock"')[1].split("</table>")[0]
    assert f'id="held-{to_police.id}"' not in held
    pcso = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert f'id="action-{to_police.id}"' not in "".join(walk_pages(pcso, "/actions"))

    cancel = f"/actions/{to_colleague.id}/cancel"
    cancelled = officer.post(
        cancel, data={"csrf_token": csrf_token(officer, cancel), "note": "Given to the lock"}
    )
    assert cancelled.status_code == 302
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Every open action on this case is held by your agency or someone on the lock" in page
