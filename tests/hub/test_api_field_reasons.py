"""What a partner's developer reads when the API refuses a field of a JSON body: each
problem names the field by its path in the body (``victim.other_names.0``) and says, in
the hub's words, what was wrong and what the field takes (a date like 2026-03-31, a time
with its offset), whichever check refused it; never a value sent, and nothing opened."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import api_clients
from sharing.models import Case
from sharing.vocabulary import Role
from tests.fixtures.api import register
from tests.hub.test_api_calls import call, new_case, open_case

CATEGORIES = (
    "noise, smoke_odour, verbal_abuse, physical_violence, drugs, alcohol, damage, litter, "
    "vehicles, animals, communal_areas, neighbour_dispute, criminal, other"
)
WITH_OFFSET = (
    "has no offset from UTC: give it as 2026-03-30T22:15:00+01:00 (+01:00 in summer time, "
    "+00:00 or Z in winter)"
)


@pytest.fixture(scope="module")
def housing(demo_hub: Flask) -> api_clients.Registered:
    """Northshire Homes' housing management system, acting as one of its managers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-homes", Role.MANAGER, name="Housing management")


def _reasons(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    return {e["field"]: e["reason"] for e in answer.get_json()["errors"]}


def _incident(**changes: Any) -> dict[str, Any]:
    return {**new_case()["incident"], **changes}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"opened_on": "31/03/2026"},
            "opened_on",
            "is not a date like 2026-03-31 (or no such day)",
        ),
        (
            {"opened_on": "2026-02-30"},
            "opened_on",
            "is not a date like 2026-03-31 (or no such day)",
        ),
        (
            {"incident": _incident(occurred_at="2026-11-30T23:40:00")},
            "incident.occurred_at",
            WITH_OFFSET,
        ),
        (
            {"incident": _incident(occurred_at="30/11/2026 23:40")},
            "incident.occurred_at",
            "is not a date and time like 2026-03-30T22:15:00+01:00",
        ),
        ({"incident": {"description": "Music"}}, "incident.occurred_at", "is required"),
        ({"summary": ""}, "summary", "is empty"),
        ({"reference": "R" * 61}, "reference", "must be 60 characters or fewer"),
        ({"reference": 88812}, "reference", "is not text (a JSON string)"),
        ({"category": "Noise nuisance"}, "category", f"is not one of {CATEGORIES}"),
        ({"hate_motivated": "perhaps"}, "hate_motivated", "is not true or false"),
        ({"officer_email": "sanjay"}, "officer_email", "is not an e-mail address"),
        ({"ward": None}, "ward", "is null: leave the field out when there is nothing to send"),
        ({"tenancy": "HMS-1"}, "tenancy", "is not a field this call takes"),
        ({"victim": {"surname": "Okafor"}}, "victim.surname", "is not a field this call takes"),
        ({"victim": "Ada Okafor"}, "victim", "is not a JSON object"),
        ({"victim": {"other_names": "Spider"}}, "victim.other_names", "is not a list"),
        ({"victim": {"other_names": ["Spider"]}}, "victim.other_names.0", "is not a JSON object"),
        (
            {"victim": {"other_names": [{"name": f"Spider{n}"} for n in range(21)]}},
            "victim.other_names",
            "gives more than 20 other names",
        ),
    ],
)
def test_a_bad_field_of_a_case_is_named_with_what_it_takes(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    changes: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    before = demo_session.scalar(select(func.count()).select_from(Case))

    answer = open_case(demo_hub, housing, new_case(**changes))

    assert _reasons(answer)[field] == reason
    assert "Okafor" not in answer.get_data(as_text=True), "no value sent is written back"
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(Case)) == before


def test_a_case_missing_its_required_fields_names_each(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    answer = open_case(demo_hub, housing, {})

    assert _reasons(answer) == {
        name: "is required"
        for name in ("reference", "category", "priority", "triage", "summary", "incident")
    }
    assert _reasons(open_case(demo_hub, housing, [new_case()])) == {"body": "is not a JSON object"}


def test_the_casework_checks_of_a_case_speak_of_the_request_not_a_files_row(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    """The case's own checks are the import's: a problem they find is named by the API's
    field, in words for a JSON body (true, not "yes"; the victim, not "the row")."""
    answer = open_case(
        demo_hub,
        housing,
        new_case(
            victim={"phone": "07700 900123"},
            protected_characteristic="race",
        ),
    )

    assert _reasons(answer) == {
        "victim.family_name": "is empty, but the victim has other details",
        "protected_characteristic": "is given, but hate_motivated is not true",
    }
    reported = open_case(demo_hub, housing, new_case(reported={"postcode": "NS1 4AB"}))
    assert _reasons(reported) == {
        "reported.family_name": "is empty, but the reported person has other details"
    }


def test_a_bad_field_of_an_incident_or_an_outcome_is_named_with_what_it_takes(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    opened = open_case(demo_hub, housing, new_case())
    assert opened.status_code == 201, opened.get_data(as_text=True)
    incident = call(
        demo_hub,
        housing,
        "POST",
        f"/api/v1/cases/{opened.get_json()['case_id']}/incidents",
        json={"occurred_at": "last night", "description": "", "reported_to_police": "perhaps"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    outcome = call(
        demo_hub, housing, "POST", "/api/v1/actions/1/outcome", json={"outcome": "complete"}
    )

    assert _reasons(incident) == {
        "occurred_at": "is not a date and time like 2026-03-30T22:15:00+01:00",
        "description": "is empty",
        "reported_to_police": "is not true or false",
    }
    assert _reasons(outcome) == {
        "outcome": "is not one of done, cancelled",
        "note": "is required",
    }


@pytest.mark.parametrize(
    ("csv", "line", "reason"),
    [
        (
            b"tenancy,rent\n1,2\n",
            1,
            "the first row is not a heading: it names none of the hub's columns",
        ),
        (
            b"reference,opened_on,category,priority,triage,summary,incident_at,incident_description\n"
            b"R-1,2026-01-05,noise,amber,low_level,Caf\xe9,2026-01-04 23:00,Music\n",
            2,
            "the file is not UTF-8 text: save it as \u201cCSV UTF-8 (comma delimited)\u201d",
        ),
    ],
)
def test_a_file_refused_as_a_whole_names_the_body_and_the_line(
    demo_hub: Flask, housing: api_clients.Registered, csv: bytes, line: int, reason: str
) -> None:
    answer = call(
        demo_hub, housing, "POST", "/api/v1/cases/import", data=csv, content_type="text/csv"
    )

    assert answer.status_code == 422
    assert answer.get_json()["errors"] == [{"field": "body", "line": line, "reason": reason}]
