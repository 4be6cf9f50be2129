"""A case read through the partner API says what was erased: an erased person's details
and an erased case's own words are null, with ``erased`` and when, so that a partner's
system does not take them for missing and ask again or write over its own records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import api_clients
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.erasure import erase_case, erase_person
from sharing.models import AuditEntry, Case, CaseParty, Person
from sharing.vocabulary import Role
from tests.fixtures.api import HTTPS
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_api_calls import call, housing, new_case, open_case, police

__all__ = ["housing", "police"]  # the module's clients, fixtures

PERSON_DETAILS = ("date_of_birth", "phone", "email", "address", "postcode", "support_needs")


def _victim(family_name: str) -> dict[str, Any]:
    return {
        "given_names": "Ada",
        "family_name": family_name,
        "date_of_birth": "1961-05-04",
        "phone": "07700 900123",
        "postcode": "NS1 4AB",
    }


def _opened(app: Flask, registered: api_clients.Registered, victim: dict[str, Any]) -> int:
    answer = open_case(app, registered, new_case(victim=victim))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return int(answer.get_json()["case_id"])


def _read(app: Flask, registered: api_clients.Registered, case_id: int) -> dict[str, Any]:
    answer = call(app, registered, "GET", f"/api/v1/cases/{case_id}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()  # type: ignore[no-any-return]


def _manager(session: Session) -> Actor:
    return Actor.of(demo_user(session, "northshire-homes", Role.MANAGER))


def _erase_case_with_people(session: Session, case_id: int) -> None:
    manager = _manager(session)
    close_for_erasure(session, manager, case_id)
    erase_case(session, authorise(session, manager, case_id, Act.ERASE), with_people=True)
    session.commit()


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_a_person_erased_reads_as_erased_with_when_and_none_of_their_details(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing, _victim(f"Erased{uuid.uuid4().hex[:6]}"))
    person_id = demo_session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == case_id))
    erase_person(demo_session, _manager(demo_session), person_id)
    demo_session.commit()

    case = _read(demo_hub, housing, case_id)

    [person] = case["people"]
    assert person["erased"] is True
    erased_at = demo_session.get_one(Person, person_id).erased_at
    assert erased_at is not None
    assert _when(person["erased_at"]) == erased_at
    assert person["name"] is None
    assert all(person[detail] is None for detail in PERSON_DETAILS), person
    # The case itself is not erased: its own words are there, and it says so.
    assert case["erased"] is False
    assert case["erased_at"] is None
    assert case["summary"] == new_case()["summary"]
    assert case["incidents"][0]["description"] == "Music until 3am"
    # Nothing in the answer holds the words the case page shows in their place.
    assert "Erased" not in str(case)


def test_a_case_erased_with_its_people_reads_as_erased_keeping_what_statistics_need(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing, _victim(f"Gone{uuid.uuid4().hex[:6]}"))
    _erase_case_with_people(demo_session, case_id)

    case = _read(demo_hub, housing, case_id)

    erased_at = demo_session.get_one(Case, case_id).erased_at
    assert case["erased"] is True
    assert erased_at is not None
    assert _when(case["erased_at"]) == erased_at
    assert case["category"] == "noise"
    assert case["status"] == "closed"
    assert case["opened_at"]
    assert case["closed_at"]
    assert case["summary"] is None
    assert case["postcode"] is None
    assert case["address"] is None
    [incident] = case["incidents"]
    assert incident["description"] is None
    assert incident["place"] is None
    assert incident["occurred_at"]
    assert all(person["erased"] and person["erased_at"] for person in case["people"])
    assert all(person["name"] is None for person in case["people"])
    assert "Erased" not in str(case)
    # Read as any case is: one audit entry naming the case.
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "case.view", AuditEntry.object_id == str(case_id))
        .order_by(AuditEntry.seq.desc())
    )
    assert entry is not None
    assert entry.actor_user_id == housing.client.user_id


def test_someone_an_erased_case_kept_is_named_without_their_details(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    """A person on another live case is kept as the agency's record when a case is erased:
    the erased case names them (to say who was kept), with none of their details."""
    victim = _victim(f"Kept{uuid.uuid4().hex[:6]}")
    erased_id = _opened(demo_hub, housing, victim)
    live_id = _opened(demo_hub, housing, victim)  # the same person, linked
    _erase_case_with_people(demo_session, erased_id)

    erased = _read(demo_hub, housing, erased_id)
    live = _read(demo_hub, housing, live_id)

    [kept] = erased["people"]
    assert erased["erased"] is True
    assert kept["erased"] is False
    assert kept["erased_at"] is None
    assert kept["name"] == f"Ada {victim['family_name']}"
    assert all(kept[detail] is None for detail in PERSON_DETAILS), kept
    [held] = live["people"]
    assert held["person_id"] == kept["person_id"]
    assert held["phone"]
    assert held["date_of_birth"] == "1961-05-04"
    assert live["erased"] is False


@pytest.mark.parametrize("schema", ["Case", "Person"])
def test_the_document_says_what_erased_means(demo_hub: Flask, schema: str) -> None:
    document = demo_hub.test_client().get("/api/v1/openapi.json", base_url=HTTPS).get_json()
    described = document["components"]["schemas"][schema]
    assert {"erased", "erased_at"} <= set(described["required"])
    assert "null" in described["properties"]["erased"]["description"]


def test_someone_erased_reads_as_erased_in_the_shared_risk_list(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    """The shared risk list keeps someone erased (their assessments' bands are not
    personal data), named as erased, not as missing nor by the words a page shows."""
    listed = call(demo_hub, police, "GET", "/api/v1/risk/shared").get_json()["people"]
    named = next(p for p in listed if p["name"] and "identity" in p["basis"])
    case = demo_session.get_one(Case, named["case_id"])
    owner = Actor.of(demo_user(demo_session, case.agency.code, Role.MANAGER))
    erase_person(demo_session, owner, named["person_id"])
    demo_session.commit()

    again = call(demo_hub, police, "GET", "/api/v1/risk/shared").get_json()["people"]

    [erased] = [
        p for p in again if (p["case_id"], p["person_id"]) == (named["case_id"], named["person_id"])
    ]
    assert erased["erased"] is True
    assert _when(erased["erased_at"]) == demo_session.get_one(Person, named["person_id"]).erased_at
    assert erased["name"] is None
    assert "Erased" not in str(erased)
    assert all(p["erased"] is False for p in again if p is not erased and p["name"])
    # The owner's case page names them once as erased, in its risk section as in its people.
    page = demo_client(demo_hub, demo_user(demo_session, case.agency.code, Role.MANAGER))
    shown = page.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Erased Erased" not in shown
