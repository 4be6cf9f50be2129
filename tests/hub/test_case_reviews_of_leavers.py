"""A manager's overdue case reviews name an officer who has left (their account
disabled) as having left, by officer and by case, so the reviews nobody will do until
their cases are given to someone stand out."""

from __future__ import annotations

import html

from sqlalchemy import select

from sharing import clock
from sharing.models import Case, User
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.demo import demo_client, demo_user


def test_overdue_reviews_of_a_leavers_cases_say_they_have_left(demo_hub, demo_session) -> None:
    manager = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    case = demo_session.scalars(
        select(Case)
        .where(
            Case.agency_id == manager.agency_id,
            Case.status != CaseStatus.CLOSED,
            Case.erased_at.is_(None),
            Case.locked.is_(False),
            Case.review_due_on < clock.today(),
        )
        .order_by(Case.id)
    ).first()
    leaver = demo_session.get(User, case.officer_id)
    client = demo_client(demo_hub, manager)
    leaver.active = False
    demo_session.commit()

    page = html.unescape(client.get("/cases/reviews-due").get_data(as_text=True))
    by_officer = page.partition("By officer")[2].partition("</table>")[0]
    assert f"{leaver.display_name} (has left)" in by_officer
    row = next(r for r in page.split("<tr") if case.reference in r)
    assert f"{leaver.display_name} (has left)" in row
