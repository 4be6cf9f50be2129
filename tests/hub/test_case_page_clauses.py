"""Each section of a shared case's page names the protocol clause that gives its reader
what it shows (demo partnership): the adult safeguarding lead opening a case referred to
her team reads the referral (who, why, its outcome) with clause 6.1 of the safeguarding
referral protocol, as every other section names its clause."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Referral
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

ADULTS = "northshire-adults"


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("<h2", start + 1)]


def test_a_safeguarding_referral_names_the_clause_that_gives_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    lead = demo_user(demo_session, ADULTS, Role.PARTNER_VIEWER)
    referral = demo_session.scalars(
        select(Referral).where(Referral.agency_id == lead.agency_id).order_by(Referral.id)
    ).first()
    page = (
        demo_client(demo_hub, lead)
        .get(f"/cases/{referral.case_id}?purpose=safeguarding_referral")
        .get_data(as_text=True)
    )
    section = _section(page, "safeguarding")
    assert f'id="referral-{referral.id}"' in section
    assert "Why you can see this" in section
    assert "clause 6.1" in section
    assert "(identity, vulnerability)" in section
