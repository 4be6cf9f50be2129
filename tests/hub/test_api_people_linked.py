"""A partner system opening a case (or importing a file) names people its agency may
already hold: they are linked only to someone on a case the account may open, with the
same family name, date of birth and given names, and what was sent that the record held
lacks is named back, not lost and not written over it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import api_clients
from sharing.crypto.sealing import unseal, unseal_many
from sharing.models import Case, CaseParty, Person, User
from sharing.vocabulary import Role
from tests.fixtures.api import register
from tests.fixtures.demo import lock_demo_case
from tests.hub.test_api_calls import call, new_case, open_case


@pytest.fixture(scope="module")
def housing(demo_hub: Flask) -> api_clients.Registered:
    """Northshire Homes' housing management system, acting as one of its managers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-homes", Role.MANAGER, name="Housing management")


def _only_held_by(session: Session, case: Case) -> tuple[Person, dict[str, str | None]]:
    """A person with a name and date of birth on ``case`` and on no other case."""
    for party in case.parties:
        person = party.person
        values = unseal_many(
            person, ("family_name", "given_names", "date_of_birth", "phone", "address")
        )
        cases = set(
            session.scalars(select(CaseParty.case_id).where(CaseParty.person_id == person.id))
        )
        named = values["family_name"] and values["given_names"] and values["date_of_birth"]
        if named and cases == {case.id}:
            return person, values
    raise AssertionError(f"case {case.id} holds nobody to look for")


def _victim_of(app: Flask, registered: api_clients.Registered, case_id: int) -> dict[str, Any]:
    read = call(app, registered, "GET", f"/api/v1/cases/{case_id}")
    assert read.status_code == 200, read.get_data(as_text=True)
    people = read.get_json()["people"]
    victims = [p for p in people if p["role"].lower() == "victim"]
    assert len(victims) == 1, people
    return victims[0]


def _sending(values: dict[str, str | None]) -> dict[str, str | None]:
    return {k: values[k] for k in ("family_name", "given_names", "date_of_birth")}


def test_a_person_held_only_on_a_locked_case_is_not_linked_and_nothing_of_them_is_shown(
    demo_hub: Flask, demo_session: Session
) -> None:
    locked = lock_demo_case(demo_session)
    person, held = _only_held_by(demo_session, locked)
    outside = next(
        u
        for u in demo_session.scalars(
            select(User).where(User.agency_id == locked.agency_id).order_by(User.id)
        )
        if Role.CASE_OFFICER in u.roles and u.id != locked.officer_id
    )
    registered = api_clients.register(
        demo_session, user=outside, name="Larkmoor housing", scopes=sorted(api_clients.SCOPES)
    )
    demo_session.commit()
    assert call(demo_hub, registered, "GET", f"/api/v1/cases/{locked.id}").status_code == 404

    answer = open_case(demo_hub, registered, new_case(victim=_sending(held)))

    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert (answer.get_json()["people_matched"], answer.get_json()["people"]) == (0, [])
    victim = _victim_of(demo_hub, registered, answer.get_json()["case_id"])
    assert victim["person_id"] != person.id
    assert (victim["phone"], victim["address"]) == (None, None)


def test_a_person_held_only_on_another_teams_case_is_not_linked(
    demo_hub: Flask, demo_session: Session
) -> None:
    police = register(demo_session, "northshire-police", Role.CASE_OFFICER, name="Team probe")
    others = demo_session.scalars(
        select(Case).where(
            Case.agency.has(code="northshire-police"),
            Case.officer_id != police.client.user_id,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
    )
    unseen = next(
        c
        for c in others
        if call(demo_hub, police, "GET", f"/api/v1/cases/{c.id}").status_code == 404
    )
    person, held = _only_held_by(demo_session, unseen)

    answer = open_case(demo_hub, police, new_case(victim=_sending(held)))

    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["people_matched"] == 0
    victim = _victim_of(demo_hub, police, answer.get_json()["case_id"])
    assert victim["person_id"] != person.id
    assert (victim["phone"], victim["address"]) == (None, None)


def test_twins_with_the_same_surname_and_date_of_birth_are_two_people(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    born = {"family_name": "Quellington", "date_of_birth": "1961-05-04"}
    ada = {**born, "given_names": "Ada", "phone": "07700900111", "support_needs": "Wheelchair"}
    ben = {**born, "given_names": "Benedict", "phone": "07700900222", "support_needs": "Deaf"}

    first = open_case(demo_hub, housing, new_case(victim=ada)).get_json()
    second = open_case(demo_hub, housing, new_case(victim=ben)).get_json()
    unnamed = open_case(demo_hub, housing, new_case(victim=born)).get_json()

    assert [a["people_matched"] for a in (first, second, unnamed)] == [0, 0, 0]
    victims = [_victim_of(demo_hub, housing, a["case_id"]) for a in (first, second, unnamed)]
    assert len({v["person_id"] for v in victims}) == 3
    assert victims[1]["name"] == "Benedict Quellington"
    assert victims[1]["support_needs"] == "Deaf"


def test_a_linked_person_sent_with_another_phone_keeps_theirs_and_the_answer_says_so(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    grace = {
        "given_names": "Grace",
        "family_name": "Oyelaran",
        "date_of_birth": "1970-02-03",
        "phone": "07700900333",
    }
    first = open_case(demo_hub, housing, new_case(victim=grace)).get_json()
    # The family name in capitals, as some systems keep it, is the same name.
    second = open_case(
        demo_hub,
        housing,
        new_case(victim={**grace, "family_name": "OYELARAN", "phone": "07700900444"}),
    ).get_json()

    victim = _victim_of(demo_hub, housing, first["case_id"])
    assert second["people_matched"] == 1
    assert second["people"] == [
        {"role": "victim", "linked_to_person_id": victim["person_id"], "not_saved": ["phone"]}
    ]
    demo_session.expire_all()
    assert unseal(demo_session.get(Person, victim["person_id"]), "phone") == "07700900333"


def test_an_imported_row_says_which_details_of_a_linked_person_were_not_saved(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    held = {
        "given_names": "Carla",
        "family_name": "Pennistone",
        "date_of_birth": "1980-06-07",
        "phone": "07700900555",
    }
    first = open_case(demo_hub, housing, new_case(victim=held)).get_json()
    reference = f"FILE-{uuid.uuid4().hex[:8]}"
    csv = (
        "reference,opened_on,category,priority,triage,summary,incident_at,incident_description,"
        "victim_given_names,victim_family_name,victim_date_of_birth,victim_phone,"
        "victim_support_needs\n"
        f"{reference},2026-01-05,noise,amber,low_level,Music,2026-01-04 23:00,Music,"
        "carla,Pennistone,07/06/1980,07700900666,Blind\n"
    ).encode()

    done = call(
        demo_hub, housing, "POST", "/api/v1/cases/import", data=csv, content_type="text/csv"
    ).get_json()

    person_id = _victim_of(demo_hub, housing, first["case_id"])["person_id"]
    assert (done["opened"], done["people_matched"]) == (1, 1)
    assert done["people_not_saved"] == [
        {
            "line": 2,
            "role": "victim",
            "linked_to_person_id": person_id,
            # "carla" for "Carla" is the same name, not a detail lost.
            "not_saved": ["phone", "support_needs"],
        }
    ]
    demo_session.expire_all()
    kept = unseal_many(demo_session.get(Person, person_id), ("given_names", "phone"))
    assert kept == {"given_names": "Carla", "phone": "07700900555"}
