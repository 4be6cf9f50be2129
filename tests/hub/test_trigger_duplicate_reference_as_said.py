"""The reference of the application a duplicate repeats is taken as a lead writes it down
from a phone call, as the list's reference filter takes it: in any case, with or without
"ASBR-", with spaces for the hyphens ("asbr 2026 7kq4mx", "2026-7KQ4MX"), where only the
reference exactly as printed was found and anything else was "No application of the
partnership has that reference"; and the list's filter finds one written with spaces."""

from __future__ import annotations

import pytest

from tests.hub.test_trigger_closing import _applied, _lead, _opened


def _written(reference: str, how: str) -> str:
    prefix, year, code = reference.split("-")
    return {
        "lower case": reference.lower(),
        "without ASBR": f"{year}-{code}",
        "with spaces": f"{prefix} {year} {code}".lower(),
        "year and code spaced": f"{year} {code.lower()}",
    }[how]


@pytest.mark.parametrize(
    "how", ["lower case", "without ASBR", "with spaces", "year and code spaced"]
)
def test_a_duplicate_names_the_application_it_repeats_as_the_lead_wrote_its_reference(
    demo_hub, demo_session, how
) -> None:
    original = _applied(demo_session)
    again = _applied(demo_session, days_ago=1)
    lead = _lead(demo_hub, demo_session)
    path = f"/trigger/{again.id}/duplicate"
    sent = {**_opened(lead, path), "duplicate_of": _written(original.reference, how)}
    done = lead.post(path, data=sent)
    assert done.status_code == 302, done.get_data(as_text=True)
    page = lead.get(f"/trigger/{again.id}").get_data(as_text=True)
    assert f"a duplicate of {original.reference}" in page


def test_the_lists_reference_filter_finds_one_written_with_spaces(demo_hub, demo_session) -> None:
    original = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    written = _written(original.reference, "with spaces")
    page = lead.get("/trigger", query_string={"reference": written}).get_data(as_text=True)
    assert f'href="/trigger/{original.id}"' in page
    assert "1 application" in page
