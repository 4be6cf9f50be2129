"""What a screen reader is given on the hub's pages, read from their HTML where that proves
it (the keyboard walks themselves are in tests/browser/test_keyboard_journeys.py)."""

from __future__ import annotations

import re

from tests.fixtures.demo import demo_client, open_cases
from tests.hub.test_changed_meanwhile import _open


def _banner_roles(page: str) -> dict[str, str]:
    """Each notification banner's role, by the words it says."""
    banners = re.findall(
        r'<div class="govuk-notification-banner[^"]*" role="(\w+)".*?'
        r'govuk-notification-banner__content">(.*?)</div>',
        page,
        re.S,
    )
    return {re.sub(r"<[^>]+>|\s+", " ", words).strip(): role for role, words in banners}


def test_what_a_saved_form_says_it_did_is_read_out_even_when_it_changed_nothing(
    demo_hub, demo_session
) -> None:
    # govuk-frontend focuses a banner whose role is alert, so that a screen reader reads it
    # as the page opens; "Important" banners (role region) are only found by looking.
    case = open_cases(demo_session, "northshire-homes")[3]
    officer = demo_client(demo_hub, case.officer)
    url = f"/cases/{case.id}/people/{case.parties[0].id}/change"
    saved = officer.post(url, data=_open(officer, url), follow_redirects=True)
    roles = _banner_roles(saved.get_data(as_text=True))
    said = next(words for words in roles if words.startswith("Nothing changed"))
    assert roles[said] == "alert"
