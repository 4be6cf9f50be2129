"""The demo's officers meet a working team's risk reviews on their home page: the police one
or two of their cases past their review, each with the band it was last assessed at; the
police and environmental health none of their red cases "not assessed yet"."""

from __future__ import annotations

import re

from sqlalchemy import select

from sharing.models import Agency, User
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client


def _reviews_due(page: str) -> str:
    """The home page's table of risk reviews due ("" when it says none is due)."""
    caption = "Your cases whose risk assessments are due for review"
    if caption not in page:
        assert "None of your cases has a risk assessment due for review." in page
        return ""
    start = page.index(caption)
    return page[start : page.index("</table>", start)]


def _officers(session, code: str) -> list[User]:  # type: ignore[no-untyped-def]
    """The case officers of the demo agency ``code`` (there are some)."""
    agency = session.scalar(select(Agency).where(Agency.code == code))
    officers = [
        u
        for u in session.scalars(select(User).where(User.agency_id == agency.id))
        if Role.CASE_OFFICER in u.roles
    ]
    assert officers
    return officers


def test_the_police_officers_see_one_or_two_reviews_due_and_every_case_assessed(
    demo_hub, demo_session
) -> None:
    rows = 0
    for officer in _officers(demo_session, "northshire-police"):
        section = _reviews_due(demo_client(demo_hub, officer).get("/").get_data(as_text=True))
        assert "Not assessed yet" not in section
        listed = len(re.findall(r'class="govuk-table__cell hub-reference"', section))
        assert section.count("Overdue") <= listed
        rows += listed
    assert 1 <= rows <= 2


def test_environmental_health_has_assessed_the_victims_of_its_red_cases(
    demo_hub, demo_session
) -> None:
    for officer in _officers(demo_session, "northshire-eh"):
        section = _reviews_due(demo_client(demo_hub, officer).get("/").get_data(as_text=True))
        assert "Not assessed yet" not in section
