"""What a data protection officer reads in the audit log of a case a partner opened in
an emergency: who opened it, when, and under which clause, in the words of every other
clause's entry."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from sharing.models import Case, ProtocolRecord, Share
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user, police_in_emergency


def _why_of_views(page: str) -> list[str]:
    """The "Why" of each "Viewed a case" row of an audit log page."""
    found = []
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S):
        if "Viewed a case" in row:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            found.append(html.unescape(re.sub(r"<[^>]+>|\s+", " ", cells[-1])).strip())
    return found


def test_a_view_in_an_emergency_names_its_clause_and_purpose_in_words(
    demo_hub, demo_session
) -> None:
    """The case opened under emergency access reads "Emergency access until …: Clause 7.1
    of <the protocol's title>, for Emergency: risk to life", as the emergency access itself
    reads, where it read "Protocol …, clause 7.1, purpose emergency"."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.agency.has(code="larkmoor-ha"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    protocol = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-emergency")
    )
    police, opened = police_in_emergency(demo_hub, demo_session, case)
    assert opened.status_code == 302
    assert police.get(f"/cases/{case.id}").status_code == 200
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    views = _why_of_views(dpo.get(f"/audit?case={case.reference}").get_data(as_text=True))
    assert views
    for why in views:
        assert why.startswith("Purpose: emergency. ")
        assert "purpose emergency" not in why
        assert re.search(
            r": Emergency access until \d{1,2} \w+ \d{4} at \d{1,2}:\d\d[ap]m: Clause 7\.1 of "
            + re.escape(
                f"{protocol.title} (version {protocol.version}), for Emergency: risk to life"
            ),
            why,
        ), why
