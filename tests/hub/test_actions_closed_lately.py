"""The foot of "actions for my agency": the agency's actions closed in the last 30 days
(demo partnership). A partner whose action closed with a case finds it there, at the
place the closing's e-mail links to, saying it closed with the case and nothing of the
case once its share ended; an action marked done says what was done to those whose
decision gives them the case's actions; a case now locked to others says nothing of
itself; older ones drop off; listing them is recorded, naming the actions."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit import listings
from sharing.models import Action, AuditEntry, LockMember, Notice, User
from sharing.vocabulary import ActionKind, ActionStatus, NoticeKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_actions_withheld_on_both_logs import (
    _case_never_shared_with_the_police,
    _give_the_police_an_action,
)
from tests.hub.test_closing_open_actions import (
    PARTNERS,
    _close,
    _officer,
    _with_open_actions,
)

DONE_NOTE = "Visited on Tuesday: the tenant agreed to keep the music down after eleven"


def _closed_part(page: str) -> str:
    """The page's "Closed in the last 30 days" part."""
    text = html.unescape(page)
    return text[text.index("Closed in the last 30 days") :]


def _lists(session: Session) -> list[AuditEntry]:
    """The entries of the closed actions read, newest first: the list's own, not the
    refusals recorded beside it for the cases of its actions the reader may not read."""
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "actions.closed", AuditEntry.outcome == "allowed")
            .order_by(AuditEntry.seq.desc())
        )
    )


def test_a_partners_action_closed_with_the_case_is_found_where_the_email_links(
    demo_hub, demo_session
) -> None:
    case, _, partners = _with_open_actions(demo_session, 0, at_a_conference=False)
    sergeant_user = demo_user(demo_session, "northshire-police", Role.MANAGER)
    sergeant = demo_client(demo_hub, sergeant_user)
    before = _closed_part(sergeant.get("/actions").get_data(as_text=True))
    assert f'id="closed-with-case-{case.id}"' not in before
    assert _close(_officer(demo_hub, demo_session, case), case).status_code == 302

    link = demo_session.scalar(
        select(Notice.path).where(
            Notice.kind == NoticeKind.CLOSED_WITH_CASE, Notice.user_id == sergeant_user.id
        )
    )
    path, _, anchor = link.partition("#")
    page = sergeant.get(path).get_data(as_text=True)
    assert page.count(f'id="{anchor}"') == 1
    closed = _closed_part(page)
    row = closed[closed.index(f'id="{anchor}"') :].split("</tr>")[0]
    assert "Closed with the case" in row
    assert ActionKind.EARLY_INTERVENTION_OTHER.label in row
    assert "The case was closed, so the action is no longer to be done." in row
    # The share ended with the case: neither its reference nor what the action said.
    assert case.reference not in row
    assert PARTNERS not in closed
    # Still not one to mark done.
    assert f"/actions/{partners.id}/done" not in page


def test_an_action_marked_done_says_what_was_done_to_its_own_agency(demo_hub, demo_session) -> None:
    case, own, _ = _with_open_actions(demo_session, 1, at_a_conference=False)
    officer = _officer(demo_hub, demo_session, case)
    path = f"/actions/{own.id}/done"
    answer = officer.post(path, data={"csrf_token": csrf_token(officer, path), "note": DONE_NOTE})
    assert answer.status_code == 302
    closed = _closed_part(officer.get("/actions").get_data(as_text=True))
    row = closed[closed.index(f'id="closed-action-{own.id}"') :].split("</tr>")[0]
    assert "Done" in row
    assert f"What was done: {DONE_NOTE}" in row
    officer_name = demo_session.get(User, case.officer_id).display_name
    assert f"Marked done by {officer_name}" in row
    assert case.reference in row
    assert "Why you can see this" in row
    entry = _lists(demo_session)[0]
    assert own.id in listings.listed(entry.basis, "actions")
    assert case.id in listings.listed(entry.basis, "cases")
    assert DONE_NOTE not in entry.basis


def test_a_case_locked_to_others_since_says_nothing_of_itself(demo_hub, demo_session) -> None:
    case, _, partners = _with_open_actions(demo_session, 2, at_a_conference=False)
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    path = f"/actions/{partners.id}/cancel"
    note = "Patrols moved to the estate's other end after the partners' meeting"
    answer = sergeant.post(path, data={"csrf_token": csrf_token(sergeant, path), "note": note})
    assert answer.status_code == 302
    case.locked = True
    demo_session.add(
        LockMember(case_id=case.id, user_id=case.officer_id, named_by_id=case.officer_id)
    )
    demo_session.commit()
    closed = _closed_part(sergeant.get("/actions").get_data(as_text=True))
    row = closed[closed.index(f'id="closed-action-{partners.id}"') :].split("</tr>")[0]
    assert "On a case now restricted" in row
    assert case.reference not in row
    assert note not in row
    assert "Cancelled by" not in row


def test_actions_closed_over_30_days_ago_drop_off(demo_hub, demo_session) -> None:
    case, own, _ = _with_open_actions(demo_session, 3, at_a_conference=False)
    officer = _officer(demo_hub, demo_session, case)
    path = f"/actions/{own.id}/cancel"
    answer = officer.post(path, data={"csrf_token": csrf_token(officer, path), "note": "Moved"})
    assert answer.status_code == 302
    assert f'id="closed-action-{own.id}"' in officer.get("/actions").get_data(as_text=True)
    action = demo_session.get(Action, own.id)
    action.closed_at = clock.now() - timedelta(days=31)
    demo_session.commit()
    assert f'id="closed-action-{own.id}"' not in officer.get("/actions").get_data(as_text=True)


def test_nothing_closed_says_so_and_records_nothing(demo_hub, demo_session) -> None:
    since = clock.now() - timedelta(days=30)
    closed_lately = select(Action.owner_agency_id).where(
        Action.status != ActionStatus.OPEN, Action.closed_at >= since
    )
    user = next(
        u
        for u in demo_session.scalars(
            select(User).where(User.agency_id.not_in(closed_lately)).order_by(User.id)
        )
        if Role.CASE_OFFICER in u.roles and u.active
    )
    client = demo_client(demo_hub, user)
    page = html.unescape(client.get("/actions").get_data(as_text=True))
    assert "None of your agency's actions was closed in the last 30 days." in page
    assert [e for e in _lists(demo_session) if e.actor_user_id == user.id] == []


def test_an_action_done_on_a_case_whose_actions_are_not_shared_says_so(
    demo_hub, demo_session
) -> None:
    """The sergeant marks done the police's action on a landlord's case whose actions are
    not shared with the police: the row below says what was done is not shared, as the
    open list says of what the action says, where it said nothing of it at all."""
    # The landlord's officer gives the police an action on a case never shared with them.
    action_id = _give_the_police_an_action(
        demo_session, _case_never_shared_with_the_police(demo_session)
    )
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    page = html.unescape(sergeant.get("/actions").get_data(as_text=True))
    listed = page[: page.index("Closed in the last 30 days")]
    row = listed[listed.index(f'id="action-{action_id}"') :].split("</tr>")[0]
    assert "What it says is not shared with your agency." in row
    path = f"/actions/{action_id}/done"
    assert path in row
    answer = sergeant.post(path, data={"csrf_token": csrf_token(sergeant, path), "note": DONE_NOTE})
    assert answer.status_code == 302

    closed = _closed_part(sergeant.get("/actions").get_data(as_text=True))
    row = closed[closed.index(f'id="closed-action-{action_id}"') :].split("</tr>")[0]
    assert "What was done is not shared with your agency." in row
    assert DONE_NOTE not in row
    assert "Why you can see this" not in row
