"""The audit log's "Who" names the roles whoever acted held as the hub names them
everywhere else, so a DPO reading it aloud (or a requester reading their report) is not
given the hub's stored names for them ("dpo", "trigger lead")."""

from __future__ import annotations

import html
import re

from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def _who(page: str, action: str) -> list[str]:
    """The "Who" of each row of ``action`` on an audit log page."""
    found = []
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S):
        if action in row:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            found.append(
                html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells[2]))).strip()
            )
    return found


def test_the_who_of_an_entry_names_the_roles_in_words(demo_hub, demo_session) -> None:
    user = demo_user(demo_session, "larkmoor-ha", Role.DPO)
    dpo = demo_client(demo_hub, user)
    assert dpo.get("/audit").status_code == 200
    page = dpo.get("/audit?action=audit.search").get_data(as_text=True)
    who = _who(page, "Searched the audit log")
    assert who
    assert all(
        w == f"{user.display_name}, Larkmoor Housing Association (data protection officer)"
        for w in who
    ), who


def test_a_trigger_lead_and_a_chair_are_named_as_their_roles_are(demo_hub, demo_session) -> None:
    """The demo's Community Trigger lead recorded its application: the council's DPO reads
    her as "Community Trigger lead", where the log said "trigger lead"."""
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    page = dpo.get("/audit?action=trigger.record").get_data(as_text=True)
    assert "(Community Trigger lead)" in page
    assert "(trigger lead)" not in page
    assert "(conference chair)" not in page
    assert "(dpo)" not in page
