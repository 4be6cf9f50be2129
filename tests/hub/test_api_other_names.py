"""The other names a person is also known by, through the partner API (demo partnership): a
case sent with them records them as the person form does (sealed, indexed as surnames,
checked by the same rules, each refused naming its field and nothing written); a case read
back, and the shared risk list, give them where the reader may see the person's name,
and null where not; the OpenAPI document describes them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import api_clients
from sharing.access.decide import Actor
from sharing.cases import share_lists
from sharing.crypto import blind_index
from sharing.crypto.data_keys import load_data_keys
from sharing.crypto.sealing import seal_many, unseal
from sharing.formats import other_names, other_names_document
from sharing.models import AuditEntry, Case, CaseParty, Person
from sharing.vocabulary import Role
from tests.fixtures.api import HTTPS, register
from tests.fixtures.demo import demo_user
from tests.hub.test_api_calls import call, fields_named, new_case, open_case

SPIDER = [{"name": "Spider", "note": "nickname"}, {"name": "Okafor-Webb"}]


@pytest.fixture(scope="module")
def housing(demo_hub: Flask) -> api_clients.Registered:
    """Northshire Homes' housing management system, acting as one of its managers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-homes", Role.MANAGER, name="Housing management")


@pytest.fixture(scope="module")
def police(demo_hub: Flask) -> api_clients.Registered:
    """The police's records system, acting as one of its case officers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-police", Role.CASE_OFFICER, name="Police records")


def _victim(**changes: Any) -> dict[str, Any]:
    return {"given_names": "Ada", "family_name": "Okafor", "phone": "07700 900123", **changes}


def test_other_names_sent_are_recorded_as_the_person_form_records_them(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    body = new_case(
        victim=_victim(other_names=SPIDER),
        reported={"family_name": "Quarrie", "other_names": [{"name": "Q", "note": "street name"}]},
    )
    answer = open_case(demo_hub, housing, body)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    case_id = answer.get_json()["case_id"]

    read = call(demo_hub, housing, "GET", answer.headers["Location"]).get_json()
    known = {p["role"]: p["other_names"] for p in read["people"]}
    assert known == {
        "Victim": [
            {"name": "Spider", "note": "nickname"},
            {"name": "Okafor-Webb", "note": None},
        ],
        "Reported person": [{"name": "Q", "note": "street name"}],
    }
    demo_session.expire_all()
    case = demo_session.get(Case, case_id)
    victim = next(p.person for p in case.parties if p.role.value == "victim")
    assert b"Spider" not in (victim.other_names or b"")
    assert other_names(unseal(victim, "other_names")) == [
        ("Spider", "nickname"),
        ("Okafor-Webb", ""),
    ]
    found, _ = blind_index.candidates(demo_session, "surname", "okafor-webb", [case.agency_id])
    assert victim.id in found
    for entry in demo_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(10)):
        assert "Spider" not in (entry.basis or "")
        assert "Okafor-Webb" not in (entry.basis or "")


def test_someone_without_other_names_reads_back_with_none(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    answer = open_case(demo_hub, housing, new_case())
    assert answer.status_code == 201, answer.get_data(as_text=True)
    read = call(demo_hub, housing, "GET", answer.headers["Location"]).get_json()
    assert [p["other_names"] for p in read["people"]] == [[]]


def test_a_name_holding_a_semicolon_or_brackets_is_kept_whole(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    """The import's cell reads ";" as the next name and brackets as what it is; a list
    sent as JSON needs neither, so each name and note is recorded as sent."""
    sent = [
        {"name": "Smith; Jones", "note": "as the council's records write it"},
        {"name": "Bobby (the Kid)", "note": "street name (since 2024)"},
    ]
    answer = open_case(demo_hub, housing, new_case(victim=_victim(other_names=sent)))
    assert answer.status_code == 201, answer.get_data(as_text=True)

    read = call(demo_hub, housing, "GET", answer.headers["Location"]).get_json()
    [victim] = read["people"]
    assert victim["other_names"] == sent
    demo_session.expire_all()
    case = demo_session.get(Case, answer.get_json()["case_id"])
    [party] = case.parties
    assert other_names(unseal(party.person, "other_names")) == [
        ("Smith; Jones", "as the council's records write it"),
        ("Bobby (the Kid)", "street name (since 2024)"),
    ]
    found, _ = blind_index.candidates(demo_session, "surname", "smith; jones", [case.agency_id])
    assert party.person_id in found


@pytest.mark.parametrize(
    ("sent", "field", "reason"),
    [
        ([{"name": "OKAFOR"}], "victim.other_names", "other name 1: the other name must not"),
        (
            [{"name": "Spider"}, {"name": "spider"}],
            "victim.other_names",
            "other name 2: the other name is given twice",
        ),
        ([{"note": "nickname"}], "victim.other_names.0.name", "required"),
        ([{"name": "=1+1"}], "victim.other_names.0.name", "formula"),
        ([{"name": "Spider", "note": "@x"}], "victim.other_names.0.note", "formula"),
        ([{"name": "Spi\x00der"}], "victim.other_names", "other name 1: the other name"),
        (
            [{"name": "Spider"}, {"name": "Okafor-Webb", "note": "x" * 101}],
            "victim.other_names.1.note",
            "must be 100 characters or fewer",
        ),
        ([{"name": "x" * 201}], "victim.other_names.0.name", "must be 200 characters or fewer"),
        (
            [{"name": f"N{n}"} for n in range(21)],
            "victim.other_names",
            "gives more than 20 other names",
        ),
    ],
)
def test_bad_other_names_are_refused_naming_the_field_and_nothing_is_written(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    sent: list[dict[str, str]],
    field: str,
    reason: str,
) -> None:
    before = demo_session.scalar(select(func.count()).select_from(Person))
    answer = open_case(demo_hub, housing, new_case(victim=_victim(other_names=sent)))
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert fields_named(answer) == [field]
    [error] = answer.get_json()["errors"]
    assert reason.casefold() in error["reason"].casefold()
    assert "Spider" not in error["reason"]
    assert "OKAFOR" not in error["reason"]
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(Person)) == before


def test_a_partner_reads_other_names_only_where_it_reads_names(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    officer = Actor.of(demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    share = share_lists.shared_with(demo_session, officer)[0]
    parties = demo_session.scalars(
        select(CaseParty).where(CaseParty.case_id == share.case_id)
    ).all()
    assert parties, "the shared case has people"
    for party in parties:
        load_data_keys(demo_session, [party.person.data_key_id])
        seal_many(party.person, {"other_names": other_names_document([("Nightjar", "")])})
    demo_session.commit()

    path = f"/api/v1/cases/{share.case_id}?purpose={share.purpose}"
    read = call(demo_hub, police, "GET", path).get_json()
    for person in read["people"]:
        if person["name"] is None:
            assert person["other_names"] is None
        else:
            assert person["other_names"] == [{"name": "Nightjar", "note": None}]


def test_the_shared_risk_list_gives_other_names_only_where_it_gives_names(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    listed = call(demo_hub, police, "GET", "/api/v1/risk/shared").get_json()["people"]
    assert listed, "the demo shares risk assessments with the police"
    for person_id in {p["person_id"] for p in listed}:
        person = demo_session.get(Person, person_id)
        if person.erased_at is None:
            load_data_keys(demo_session, [person.data_key_id])
            seal_many(person, {"other_names": other_names_document([("Corncrake", "alias")])})
    demo_session.commit()
    listed = call(demo_hub, police, "GET", "/api/v1/risk/shared").get_json()["people"]
    for person in listed:
        if "identity" in person["basis"] and not person["erased"]:
            assert person["other_names"] == [{"name": "Corncrake", "note": "alias"}]
        else:
            assert person["other_names"] is None
    assert any(p["other_names"] for p in listed) or all(
        "identity" not in p["basis"] for p in listed
    )


def test_the_openapi_document_describes_other_names(demo_hub: Flask) -> None:
    document = demo_hub.test_client().get("/api/v1/openapi.json", base_url=HTTPS).get_json()
    schemas = document["components"]["schemas"]
    for sent in ("Victim", "Reported"):
        listed = schemas[sent]["properties"]["other_names"]
        assert listed["type"] == "array"
        assert listed["maxItems"] == 20
    name = schemas["OtherName"]["properties"]["name"]
    assert "pattern" not in name  # a semicolon or brackets are the name's own
    assert schemas["OtherName"]["required"] == ["name"]
    assert "other_names" in schemas["Person"]["required"]
    assert "other_names" in schemas["SharedRisk"]["required"]
