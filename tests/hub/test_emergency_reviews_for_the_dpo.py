"""The data protection officer, told of a partner's emergency access to their agency's
case, opens "Emergency access to review" and is told who records the review and where to
follow it, where the page showed the access with an empty last column and no word of
why they could not review it (demo partnership)."""

from __future__ import annotations

from sqlalchemy import select

from sharing.models import Case, Share
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user, police_in_emergency


def test_the_dpo_reads_that_the_managers_review_and_where_to_follow_it(
    demo_hub, demo_session
) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.agency.has(code="larkmoor-ha"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id.desc())
    )
    _, opened = police_in_emergency(demo_hub, demo_session, case)
    assert opened.status_code == 302
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    page = dpo.get("/emergency/reviews").get_data(as_text=True)
    assert case.reference in page
    assert "Your agency's managers record the reviews" in page
    assert 'href="/audit/emergency-access"' in page
    assert ">Review<" not in page
    assert '<span class="govuk-visually-hidden">Action</span>' not in page
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    page = manager.get("/emergency/reviews").get_data(as_text=True)
    assert "Your agency's managers record the reviews" not in page
    assert ">Review<" in page
