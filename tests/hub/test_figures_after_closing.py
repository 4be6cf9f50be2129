"""A manager's figures after a case closes with an overdue action (demo partnership): the
officer closes the case through its close form, closing the action with it, and the
manager's figures for the month the action was due in still count it as still open past
its date; the table says why."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from sharing import clock
from sharing.figures.months import months_later
from sharing.models import Action, Case, User
from sharing.vocabulary import ActionKind, ActionStatus, CaseStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user

ROW = "Still open past their date"


def _past_their_date(page: str) -> int:
    found = re.search(
        rf">{ROW}</th>\s*<td class=\"[^\"]*hub-figure--exact\">(\d+)</td>", html.unescape(page)
    )
    assert found, "the manager's exact column of the actions table"
    return int(found.group(1))


def test_an_overdue_action_closed_with_its_case_stays_in_the_month_it_was_due(
    demo_hub, demo_session
) -> None:
    last_month = months_later(clock.today().replace(day=1), -1)
    case, action = next(
        (case, open_actions[0])
        for case in demo_session.scalars(
            select(Case)
            .where(
                Case.agency.has(code="northshire-homes"),
                Case.status == CaseStatus.ACTIVE,
                Case.locked.is_(False),
            )
            .order_by(Case.id)
        )
        if len(open_actions := [a for a in case.actions if a.status is ActionStatus.OPEN]) == 1
        and open_actions[0].kind is not ActionKind.DISSATISFACTION_FOLLOW_UP
    )
    action.due_on = last_month + timedelta(days=9)
    demo_session.commit()
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    figures = f"/figures/?from={last_month:%Y-%m}&agency=northshire-homes&exact=yes"
    before = manager.get(figures).get_data(as_text=True)
    assert "An action closed with its case after its date counts as still open past it" in (
        html.unescape(before)
    )

    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/close"
    form = officer.get(path).get_data(as_text=True)
    stamp = re.search(r'name="opened" value="([^"]*)"', form).group(1)
    closed = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "reason": "no_contact",
            "outcome": "not_resolved",
            "opened": stamp,
        },
    )
    assert closed.status_code == 302, closed.get_data(as_text=True)[:2000]
    demo_session.expire_all()
    assert demo_session.get(Action, action.id).closed_with_case

    after = manager.get(figures).get_data(as_text=True)
    assert _past_their_date(after) == _past_their_date(before) >= 1
