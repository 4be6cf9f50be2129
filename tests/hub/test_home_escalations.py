"""Cases escalated by the Risk Assessment Matrix (a band risen to high, a hate incident)
whose officer has not yet recorded what they decided, as the home page and the case list
show them (demo partnership): a manager sees their agency's, counted, longest waiting
first, each linked to the case's risk section, with a link to all of them in the case
list; a case officer their own; a case whose decision is recorded, or which is closed,
leaves. Before, nothing but the case page itself said a case was waiting for a decision."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Action, Case, Escalation, User
from sharing.vocabulary import ActionStatus, CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user

AGENCY = "northshire-homes"


def _waiting(session: Session, agency_id: int) -> list[Case]:
    """The agency's open, unlocked cases with an escalation waiting for a decision."""
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.agency_id == agency_id,
                Case.status != CaseStatus.CLOSED,
                Case.locked.is_(False),
                Case.id.in_(select(Escalation.case_id).where(Escalation.considered_at.is_(None))),
            )
            .order_by(Case.id)
        )
    )


def _section(html: str) -> str:
    start = html.index('id="escalated"')
    return html[start : html.index("</table>", start)]


def test_a_manager_finds_their_agencys_escalated_cases_on_the_home_page(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    waiting = _waiting(demo_session, manager.agency_id)
    assert len(waiting) >= 2, "the demo's agency has escalated cases waiting"
    client = demo_client(demo_hub, manager)

    html = client.get("/").get_data(as_text=True)

    assert f"Your agency's cases escalated, waiting for a decision: {len(waiting)}" in unescape(
        html
    )
    listed = re.findall(r'href="/cases/(\d+)#risk"', _section(html))
    assert sorted(int(i) for i in listed) == [c.id for c in waiting][:10]
    every = client.get("/cases?officer=&status=open&escalation=waiting")
    assert every.status_code == 200
    page = every.get_data(as_text=True)
    assert f"{len(waiting)} cases" in page
    assert sorted(int(i) for i in re.findall(r'href="/cases/(\d+)#risk"', page)) == [
        c.id for c in waiting
    ]

    decided, closed = waiting[0], waiting[1]
    for escalation in demo_session.scalars(
        select(Escalation).where(Escalation.case_id == decided.id)
    ):
        escalation.considered_at = clock.now()
        escalation.considered_by_id = manager.id
    closed.status = CaseStatus.CLOSED
    demo_session.commit()

    after = client.get("/").get_data(as_text=True)
    assert f"waiting for a decision: {len(waiting) - 2}" in after
    ids = {int(i) for i in re.findall(r'href="/cases/(\d+)#risk"', _section(after))}
    assert decided.id not in ids
    assert closed.id not in ids


def test_a_case_officer_sees_only_their_own_escalated_cases(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    waiting = _waiting(demo_session, manager.agency_id)
    officer = demo_session.get(User, waiting[0].officer_id)
    theirs = [c for c in waiting if c.officer_id == officer.id]

    html = demo_client(demo_hub, officer).get("/").get_data(as_text=True)

    assert f"Your cases escalated, waiting for a decision: {len(theirs)}" in html
    listed = {int(i) for i in re.findall(r'href="/cases/(\d+)#risk"', _section(html))}
    assert listed == {c.id for c in theirs}


def test_a_managers_home_page_counts_their_agencys_overdue_case_reviews(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The link to the overdue reviews by officer says how many there are, as the page it
    opens counts them; before, it named none while "Your cases due for review" said none."""
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    client = demo_client(demo_hub, manager)
    listed = client.get("/cases/reviews-due").get_data(as_text=True)
    total = int(re.search(r"(\d+) overdue, longest overdue first", listed)[1])
    assert total > 0, "the demo's agency has overdue reviews"

    html = unescape(client.get("/").get_data(as_text=True))

    assert f"Your agency's overdue case reviews: {total}" in html
    assert '<a class="govuk-link" href="/cases/reviews-due">See them by officer</a>' in html


def _overdue_actions(session: Session, agency_id: int) -> list[Action]:
    return list(
        session.scalars(
            select(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.owner_agency_id == agency_id,
                Action.status == ActionStatus.OPEN,
                Action.due_on < clock.today(),
                Case.erased_at.is_(None),
                Case.locked.is_(False),
            )
        )
    )


def test_the_home_page_counts_the_agencys_actions_overdue_until_they_are_done(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    overdue = _overdue_actions(demo_session, manager.agency_id)
    assert overdue, "the demo's agency has an action overdue"
    client = demo_client(demo_hub, manager)

    html = unescape(client.get("/").get_data(as_text=True))

    assert f"Your agency's actions overdue: {len(overdue)}" in html
    assert '<a class="govuk-link" href="/actions">See your agency\'s actions</a>' in html
    for action in overdue:
        action.status = ActionStatus.DONE
    demo_session.commit()
    assert "actions overdue" not in unescape(client.get("/").get_data(as_text=True))
