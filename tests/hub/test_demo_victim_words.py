"""What the demo's safeguarding referral and its held conference's decision say of their
victim fits the victim: the adult safeguarding lead reads the victim's date of birth on
the case page, and neither the referral nor the pack calls a younger victim elderly or
says they have dementia (the demo's victims are born in any year)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Conference, Referral
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

OLD_AGE = ("elderly", "dementia")


def _age(born: str) -> int:
    day = datetime.strptime(born, "%d %B %Y").date()
    today = clock.today()
    return today.year - day.year - ((today.month, today.day) < (day.month, day.day))


def test_the_referral_and_the_conference_decision_fit_the_victims_age(
    demo_hub: Flask, demo_session: Session
) -> None:
    lead = demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    referral = demo_session.scalars(
        select(Referral).where(Referral.agency_id == lead.agency_id).order_by(Referral.id)
    ).first()
    reader = demo_client(demo_hub, lead)
    page = reader.get(f"/cases/{referral.case_id}?purpose=safeguarding_referral").get_data(
        as_text=True
    )
    section = page[page.index('id="safeguarding"') :]
    who = re.search(r"Who\s*</dt>\s*<dd[^>]*>\s*([^,<]+),", section).group(1).strip()
    person = page[page.index(f": {who}", page.index('id="parties"')) :]
    born = re.search(r"Date of birth\s*</dt>\s*<dd[^>]*>\s*([^<]+?)\s*</dd>", person).group(1)
    said = section[: section.index("<h2")]
    held = demo_session.scalars(
        select(Conference)
        .where(Conference.case_id == referral.case_id, Conference.minutes_agreed_at.is_not(None))
        .order_by(Conference.id)
    ).first()
    if held is not None:
        said += reader.get(f"/conferences/{held.id}/pack").get_data(as_text=True)
    if _age(born) < 65:
        assert not [w for w in OLD_AGE if w in said.lower()], (who, born)
