"""A manager finds the cases nothing is being done on (demo partnership): the case list's
filter "No action open, none done in 30 days" lists the open cases opened over 30 days ago
with no action open on them and none done or cancelled in the last 30 days, and a case
leaves it once an action is given on it. Before, the list could be read only case by case
for its last incident."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Action, Case, User
from sharing.vocabulary import ActionKind, ActionStatus, Role
from tests.fixtures.demo import demo_client, demo_user, open_cases

AGENCY = "northshire-homes"
PATH = "/cases?officer=&status=open&action=none"


def _quiet(session: Session, cases: list[Case]) -> list[int]:
    since = clock.now() - timedelta(days=30)
    quiet = []
    for case in cases:
        actions = session.scalars(select(Action).where(Action.case_id == case.id)).all()
        if case.opened_at >= since or case.locked:
            continue
        if any(a.status is ActionStatus.OPEN for a in actions):
            continue
        if any(a.closed_at is not None and a.closed_at >= since for a in actions):
            continue
        quiet.append(case.id)
    return sorted(quiet)


def _listed(client) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        html = client.get(f"{PATH}&page={page}").get_data(as_text=True)
        found = [int(i) for i in re.findall(r'href="/cases/(\d+)"', html)]
        ids += found
        if f"page={page + 1}" not in html:
            return sorted(ids)
        page += 1


def test_a_manager_lists_the_open_cases_with_no_action_for_30_days(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    client = demo_client(demo_hub, manager)
    expected = _quiet(demo_session, open_cases(demo_session, AGENCY))
    assert expected, "the demo's agency has open cases nothing is done on"

    assert _listed(client) == expected

    case = demo_session.get(Case, expected[0])
    demo_session.add(
        Action(
            case_id=case.id,
            kind=ActionKind.PERPETRATOR_VISIT,
            status=ActionStatus.OPEN,
            owner_agency_id=case.agency_id,
            due_on=clock.today() + timedelta(days=7),
            created_at=clock.now(),
            created_by_id=demo_session.scalar(select(User.id).where(User.id == manager.id)),
        )
    )
    demo_session.commit()
    assert case.id not in _listed(client)
