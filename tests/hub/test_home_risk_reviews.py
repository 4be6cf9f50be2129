"""The home page's "Risk assessment reviews due": an officer's own cases; for a manager,
their agency's, each with its officer, as the manager's first contact list is, so that a
manager with no cases of their own finds the reviews their officers have let fall due.
The home page counts them and shows the 20 due longest; the rest are on their own list, a
page at a time."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Agency, Case, User
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user

AGENCY = "larkmoor-ha"


def _due(session: Session) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .join(Agency, Agency.id == Case.agency_id)
            .where(
                Agency.code == AGENCY,
                Case.status != CaseStatus.CLOSED,
                Case.erased_at.is_(None),
                Case.locked.is_(False),
                Case.risk_review_due_on <= clock.today(),
            )
            .order_by(Case.id)
        )
    )


def _risk_part(client) -> str:
    page = html.unescape(client.get("/").get_data(as_text=True))
    start = page.index('id="risk-reviews"')
    return page[start : page.index("<h2", start + 1)]


def test_a_manager_sees_their_agencys_risk_reviews_due_with_each_officer(
    demo_hub, demo_session
) -> None:
    due = _due(demo_session)
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    assert due, "the demo has risk reviews due at the landlord"
    assert all(c.officer_id != manager.id for c in due)
    part = _risk_part(demo_client(demo_hub, manager))
    assert "Your agency's risk assessment reviews due" in part
    for case in due:
        assert case.reference in part
        assert demo_session.get(User, case.officer_id).display_name in part
    assert "None of your cases" not in part


def test_a_review_due_on_a_leavers_case_says_its_officer_has_left(demo_hub, demo_session) -> None:
    case = _due(demo_session)[0]
    leaver = demo_session.get(User, case.officer_id)
    manager = demo_client(demo_hub, demo_user(demo_session, AGENCY, Role.MANAGER))
    leaver.active = False
    demo_session.commit()
    try:
        row = next(r for r in _risk_part(manager).split("<tr") if case.reference in r)
        assert f"{leaver.display_name} (has left)" in row
    finally:  # the module's other tests share the demo
        leaver.active = True
        demo_session.commit()


def test_an_officer_sees_only_their_own_risk_reviews_due(demo_hub, demo_session) -> None:
    due = _due(demo_session)
    officer = demo_session.get(User, due[0].officer_id)
    part = _risk_part(demo_client(demo_hub, officer))
    assert "Your agency's" not in part
    for case in due:
        assert (case.reference in part) is (case.officer_id == officer.id)


def _rows(page: str) -> list[str]:
    """The cases listed in the page's first table, in order."""
    table = page.partition("<table")[2].partition("</table>")[0]
    return re.findall(r'hub-reference"><a class="govuk-link" href="[^"]*">([^<]+)</a>', table)


def test_more_reviews_than_the_home_page_holds_are_counted_and_listed_a_page_at_a_time(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    today = clock.today()
    cases = [create_case(officer) for _ in range(26)]
    for days, case in enumerate(cases):  # the first due longest ago
        case.risk_review_due_on = today - timedelta(days=40 - days)
    db_session.commit()
    soonest_first = [c.reference for c in cases]
    client = as_user(user=officer)

    part = _risk_part(client)
    assert "Risk assessment reviews due: 26" in part
    assert _rows(part) == soonest_first[:20]
    assert "The 20 due longest are shown." in part
    assert 'href="/risk/reviews-due">See all 26 of your risk assessment reviews due' in part

    first = html.unescape(client.get("/risk/reviews-due").get_data(as_text=True))
    assert "Your risk assessment reviews due" in first
    assert "26 cases due (page 1 of 2)." in first
    assert _rows(first) == soonest_first[:25]
    assert 'href="/risk/reviews-due?page=2"' in first
    second = html.unescape(client.get("/risk/reviews-due?page=2").get_data(as_text=True))
    assert _rows(second) == soonest_first[25:]
    # Past the last page is the last page, as the hub's other lists.
    assert (
        _rows(html.unescape(client.get("/risk/reviews-due?page=9").get_data(as_text=True)))
        == (soonest_first[25:])
    )


def test_the_risk_reviews_list_is_for_casework_only(as_user) -> None:
    assert as_user("partner_viewer").get("/risk/reviews-due").status_code == 403
    empty = as_user("case_officer").get("/risk/reviews-due")
    assert empty.status_code == 200
    assert "None of your cases has a risk assessment due for review." in empty.get_data(
        as_text=True
    )
