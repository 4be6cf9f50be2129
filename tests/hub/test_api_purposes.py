"""Reading a partner's case through the API for a purpose: one the case is not shared with
the agency for is bad input (a 400 naming ``purpose`` and listing those it is shared for,
as a read without one is); one it is shared for but refused for another reason stays 403.
Both are recorded refusals, never holding the text sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import api_clients, clock
from sharing.models import AuditEntry, Case, ProtocolRecord, Share
from sharing.vocabulary import ProtocolStatus, Role, ShareOrigin
from tests.fixtures.api import HTTPS, bearer_for, register
from tests.fixtures.demo import demo_client, demo_user, shared_with_agency

PURPOSE = "asb_case_management"
CONFERENCE = "case_conference"
#: The protocols' other purposes.
OTHERS = (CONFERENCE, "community_trigger", "safeguarding_referral")


@pytest.fixture(scope="module")
def police(demo_hub: Flask) -> api_clients.Registered:
    """The police's records system, acting as one of its case officers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-police", Role.CASE_OFFICER, name="Police records")


def read(app: Flask, registered: api_clients.Registered, case_id: int, **query: str):  # type: ignore[no-untyped-def]
    client: FlaskClient = app.test_client()
    headers = bearer_for(client, registered)
    return client.get(
        f"/api/v1/cases/{case_id}", query_string=query, headers=headers, base_url=HTTPS
    )


def shared_with_police_for_casework_alone(session: Session) -> Case:
    """A case shared with the police for ASB case management and no other purpose (which
    cases the demo convenes conferences for depends on the day it is built for)."""
    return next(
        case
        for case in session.scalars(
            select(Case)
            .join(Share, Share.case_id == Case.id)
            .where(Share.revoked_at.is_(None), Case.locked.is_(False), Share.purpose == PURPOSE)
            .where(Share.agency.has(code="northshire-police"), Share.until >= clock.today())
            .order_by(Share.id)
        )
        if not any(shared_with_agency(session, case, "northshire-police", p) for p in OTHERS)
    )


def last_view(session: Session) -> AuditEntry:
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    return entry


@pytest.mark.parametrize("purpose", [CONFERENCE, "community_trigger", "Jane Ashworth born 1980"])
def test_a_purpose_the_case_is_not_shared_for_is_a_400_naming_purpose_with_those_it_is(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered, purpose: str
) -> None:
    case = shared_with_police_for_casework_alone(demo_session)
    asked = read(demo_hub, police, case.id).get_json()  # no purpose: the list to choose from

    answer = read(demo_hub, police, case.id, purpose=purpose)

    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    problem: dict[str, Any] = answer.get_json()
    assert problem["title"] == "Invalid purpose"
    assert [e["field"] for e in problem["errors"]] == ["purpose"]
    assert problem["purposes"] == asked["purposes"] == [PURPOSE]
    assert "ashworth" not in answer.get_data(as_text=True).lower()  # never sent back
    entry = last_view(demo_session)
    assert (entry.object_id, entry.outcome) == (str(case.id), "refused")
    assert entry.actor_user_id == police.client.user_id
    assert "ashworth" not in f"{entry.purpose} {entry.basis}".lower()


@pytest.fixture
def conference_share_suspended(demo_hub: Flask, demo_session: Session) -> Iterator[Case]:
    """A case shared with the police for ASB case management and, under the case
    conference protocol, for a case conference, that protocol suspended since: the share
    for the conference stays live but gives nothing."""
    case = shared_with_police_for_casework_alone(demo_session)
    live = demo_session.scalar(
        select(Share).where(
            Share.case_id == case.id,
            Share.purpose == PURPOSE,
            Share.revoked_at.is_(None),
            Share.agency.has(code="northshire-police"),
        )
    )
    conference = demo_session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    assert live is not None
    assert conference is not None
    share = Share(
        case_id=case.id,
        agency_id=live.agency_id,
        protocol_id=conference.id,
        purpose=CONFERENCE,
        until=live.until,
        origin=ShareOrigin.MANUAL,
        created_by_id=live.created_by_id,
    )
    demo_session.add(share)
    conference.status, conference.changed_at = ProtocolStatus.SUSPENDED, clock.now()
    demo_session.commit()
    try:
        yield case
    finally:
        conference.status, conference.changed_at = ProtocolStatus.ACTIVE, clock.now()
        demo_session.delete(share)
        demo_session.commit()


def test_a_purpose_shared_but_refused_for_another_reason_stays_a_403(
    demo_hub: Flask,
    demo_session: Session,
    police: api_clients.Registered,
    conference_share_suspended: Case,
) -> None:
    case = conference_share_suspended

    answer = read(demo_hub, police, case.id, purpose=CONFERENCE)

    assert answer.status_code == 403
    assert "errors" not in answer.get_json()
    assert "active protocol" in answer.get_json()["detail"]
    entry = last_view(demo_session)
    assert (entry.object_id, entry.outcome) == (str(case.id), "refused")
    # The purpose it is still shared for opens it, and another is bad input, as ever.
    assert read(demo_hub, police, case.id, purpose=PURPOSE).status_code == 200
    other = read(demo_hub, police, case.id, purpose="community_trigger")
    assert other.status_code == 400
    assert other.get_json()["purposes"] == [PURPOSE]
    # The case page answers alike: refused, saying why, not asked again.
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = officer.get(f"/cases/{case.id}?purpose={CONFERENCE}")
    assert page.status_code == 403
    assert "You cannot open this case for that purpose" in page.get_data(as_text=True)
    assert officer.get(f"/cases/{case.id}?purpose=community_trigger").status_code == 400


def test_the_document_says_what_a_purpose_not_shared_answers(demo_hub: Flask) -> None:
    document = demo_hub.test_client().get("/api/v1/openapi.json", base_url=HTTPS).get_json()
    answers = document["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]
    assert "not shared with your agency for" in answers["400"]["description"]
    assert "suspended" in answers["403"]["description"]
