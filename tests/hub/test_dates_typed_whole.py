"""A date typed whole into the day box, as a tired applicant types it: with a two-digit
year ("3/4/61") it is put into its three boxes and the year is asked for in four figures,
where the page said the date had no month and year; with spaces between its parts ("3 4
1980") it is taken as written, day first, as with slashes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from sharing.models import PublicFormUse
from tests.hub.test_public_application import _titles, _walk


@pytest.fixture(autouse=True)
def _fresh_limits(demo_session: Session):
    demo_session.execute(delete(PublicFormUse))
    demo_session.commit()


def _box(page: str, part: str) -> str:
    """What the page's own box shows (not the Back button's hidden copy of what was sent)."""
    for tag in re.findall(r"<input\b[^>]*govuk-date-input__input[^>]*>", page):
        if f'name="victim_date_of_birth-{part}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else ""
    return ""


@pytest.mark.parametrize("typed", ["3/4/61", "03.04.61", "3-4-61", "3 4 61"])
def test_a_date_of_birth_typed_whole_with_a_two_digit_year_asks_for_the_year(
    demo_hub, typed
) -> None:
    walked, refused = _walk(demo_hub.test_client(), **{"victim_date_of_birth-day": typed})
    assert walked[-1] == "born"
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Year must include 4 numbers" in page
    assert "must include a month and year" not in page
    day, month = typed[:-3].split(typed[-3])
    assert (_box(page, "day"), _box(page, "month"), _box(page, "year")) == (day, month, "61")
    assert 'href="#victim_date_of_birth-year"' in page


@pytest.mark.parametrize("typed", ["3 4 1980", "03 04 1980"])
def test_a_date_of_birth_typed_whole_with_spaces_is_taken_as_written(demo_hub, typed) -> None:
    _, check = _walk(demo_hub.test_client(), **{"victim_date_of_birth-day": typed})
    page = check.get_data(as_text=True)
    assert _titles([page]) == ["Check your answers"]
    assert "3 April 1980" in page
