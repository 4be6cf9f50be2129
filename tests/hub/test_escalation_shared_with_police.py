"""An escalation prompt on a landlord's case the police already hold a live share of does
not ask its officer to consider sharing it with the police (demo partnership): the case
page and the decision page say it is shared with them already. Before, both asked for the
share, and the share form then refused it as already made."""

from __future__ import annotations

import html
import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Case, Escalation, Share
from sharing.vocabulary import CaseStatus
from tests.fixtures.demo import demo_client


def _escalated_and_shared(session: Session) -> tuple[Case, Escalation]:
    row = session.execute(
        select(Case, Escalation)
        .join(Escalation, Escalation.case_id == Case.id)
        .join(Share, Share.case_id == Case.id)
        .where(
            Escalation.considered_at.is_(None),
            Share.agency.has(code="northshire-police"),
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.agency.has(code="larkmoor-ha"),
        )
        .order_by(Case.id)
    ).first()
    assert row is not None, "the demo escalates a landlord's case shared with the police"
    return row[0], row[1]


def test_a_case_shared_with_the_police_is_not_prompted_to_be_shared_with_them(
    demo_hub: Flask, demo_session: Session
) -> None:
    case, escalation = _escalated_and_shared(demo_session)
    officer = demo_client(demo_hub, case.officer)

    page = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    assert (
        "Consider a case conference and a safeguarding referral "
        "(the case is already shared with the police)."
    ) in page
    assert "and sharing with the police" not in page
    asked = officer.get(f"/cases/{case.id}/escalations/{escalation.id}").get_data(as_text=True)
    assert re.findall(r"<li>([^<]+)</li>", asked) == [
        "a case conference",
        "a safeguarding referral",
    ]
    assert "The case is already shared with the police." in asked


def test_the_decision_page_says_why_and_when_the_case_was_escalated(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The page said only "This case was escalated", sending the officer back to the case
    page to learn what had happened."""
    case, escalation = _escalated_and_shared(demo_session)
    officer = demo_client(demo_hub, case.officer)
    asked = html.unescape(
        officer.get(f"/cases/{case.id}/escalations/{escalation.id}").get_data(as_text=True)
    )
    day = f"{clock.day_of(escalation.raised_at):%-d %B %Y}"
    assert f"{escalation.reason.label} on {day}. Consider:" in asked
