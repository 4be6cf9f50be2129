"""Each section of a shared case's page and of a conference pack names the protocol
clause that gives its reader what it shows (demo partnership): the adult safeguarding
lead opening a case referred to her team reads the referral (who, why, its outcome) with
clause 6.1 of the safeguarding referral protocol; a pack's timeline names the clause of
its incidents, and of their crime references where the reader has them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Conference, Incident, Referral
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


def _timeline(pack: str) -> str:
    start = pack.index("Timeline:")
    return pack[start : pack.index("Risk history", start)]


def test_a_conference_packs_timeline_names_the_clauses_behind_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The police read a conference's incidents with their crime references (clause 5.4,
    offending); environmental health read the same incidents without them (clause 5.1
    only): each pack's timeline says which clause gives what it shows, as the pack's other
    sections do."""
    conference = demo_session.scalars(
        select(Conference)
        .join(Incident, Incident.case_id == Conference.case_id)
        .where(Incident.crime_reference.is_not(None))
        .order_by(Conference.id)
    ).first()
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    timeline = _timeline(police.get(f"/conferences/{conference.id}/pack").get_data(as_text=True))
    assert "crime reference" in timeline
    assert "Why you can see this:" in timeline
    assert "clause 5.1" in timeline
    assert "Why you can see the crime references:" in timeline
    assert "clause 5.4" in timeline
    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    timeline = _timeline(eh.get(f"/conferences/{conference.id}/pack").get_data(as_text=True))
    assert "crime reference" not in timeline
    assert "clause 5.1" in timeline
    assert "clause 5.4" not in timeline
