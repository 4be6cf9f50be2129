"""Where the back link of a partner's shared case goes, for staff who also work cases."""

from __future__ import annotations

from sqlalchemy import select

from sharing.models import Case, Share
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def test_a_police_sergeant_goes_back_from_a_shared_case_to_the_cases_shared_with_them(
    demo_hub, demo_session
) -> None:
    """The sergeant opened a landlord's case from "Shared with us": its back link goes
    there, where it went to the police's own case list ("Back to cases"); on one of the
    police's own cases it still goes to the case list."""
    share = demo_session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Case.locked.is_(False),
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    )
    sergeant = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    page = sergeant.get(f"/cases/{share.case_id}?purpose={share.purpose}").get_data(as_text=True)
    assert 'href="/shared" class="govuk-back-link">Back to cases shared with us</a>' in page
    assert 'href="/cases" class="govuk-back-link"' not in page

    own = demo_session.scalar(
        select(Case)
        .where(Case.agency.has(code="northshire-police"), Case.locked.is_(False))
        .order_by(Case.id)
    )
    page = sergeant.get(f"/cases/{own.id}").get_data(as_text=True)
    assert 'href="/cases" class="govuk-back-link">Back to cases</a>' in page
