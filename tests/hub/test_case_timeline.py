"""A case's incidents in pages on its page (issue 21, item 3): latest first, 50 at a
time, counted by query, so a case with years of incidents opens as fast as a new one."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.incidents import IncidentInput, add_incident
from sharing.models import AuditEntry, Case, User
from sharing.vocabulary import CaseStatus
from tests.fixtures.demo import demo_client


def grown(session: Session, incidents: int, note: str) -> tuple[Case, User]:
    """An open Northshire Homes case given ``incidents`` more incidents, and its officer."""
    case = session.scalars(
        select(Case)
        .where(Case.agency.has(code="northshire-homes"), Case.status != CaseStatus.CLOSED)
        .where(Case.locked.is_(False), Case.erased_at.is_(None))
        .order_by(Case.id)
    ).all()[0 if note == "big" else 1]
    officer = session.get(User, case.officer_id)
    authorised = authorise(session, Actor.of(officer), case.id, Act.RECORD)
    start = clock.now() - timedelta(days=incidents + 1)
    for n in range(incidents):
        add_incident(
            session,
            authorised,
            IncidentInput(
                occurred_at=start + timedelta(days=n), description=f"{note} diary entry {n}"
            ),
        )
    session.commit()
    return case, officer


def test_the_timeline_is_paged_latest_first(demo_hub: Flask, demo_session: Session) -> None:
    case, officer = grown(demo_session, 120, "big")
    total = len(case.incidents)
    client = demo_client(demo_hub, officer)

    first = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"Incidents ({total})" in first
    assert f"Latest first: 1 to 50 of {total}." in first
    shown = re.findall(r"big diary entry (\d+)", first)
    assert shown[:3] == ["119", "118", "117"]
    assert len(shown) == 50
    assert f"/cases/{case.id}?page=2#incidents" in first

    last_page = -(-total // 50)
    beyond = client.get(f"/cases/{case.id}?page=999").get_data(as_text=True)
    assert f"Latest first: {(last_page - 1) * 50 + 1} to {total} of {total}." in beyond
    demo_session.expire_all()
    entry = demo_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq.desc())
    )
    assert f"incidents page {last_page}" in entry.basis
    for odd in ("abc", "%C2%B2", "9" * 20):  # not a page number: the first page
        response = client.get(f"/cases/{case.id}?page={odd}")
        assert response.status_code == 200
        assert f"Latest first: 1 to 50 of {total}." in response.get_data(as_text=True)


def test_a_timeline_on_one_page_or_its_last_page_counts_every_incident(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A page that is not full is the last: its count is what came before and what it
    shows (no count query), and it must still say the case's whole number."""
    small, officer = grown(demo_session, 7, "small")
    assert len(small.incidents) < 50, "one page of incidents"
    page = demo_client(demo_hub, officer).get(f"/cases/{small.id}").get_data(as_text=True)
    assert f"Incidents ({len(small.incidents)})" in page
    assert len(re.findall(r"small diary entry (\d+)", page)) == 7

    big, officer = grown(demo_session, 120, "big")
    total = len(big.incidents)
    last_page = -(-total // 50)
    last = demo_client(demo_hub, officer).get(f"/cases/{big.id}?page={last_page}")
    text = last.get_data(as_text=True)
    assert f"Incidents ({total})" in text
    assert f"Latest first: {(last_page - 1) * 50 + 1} to {total} of {total}." in text
