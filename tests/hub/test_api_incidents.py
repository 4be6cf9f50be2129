"""An incident as a partner system works with it: one recorded answers 201 with where to
read it (``Location``), and reading it there is a read of its case (the same decision and
purpose, one audit entry naming the incident). A write on the agency's own case once it
is closed is a 409 saying so, recorded as refused; the OpenAPI document says all of it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import api_clients, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions, share_lists
from sharing.cases.erasure import erase_case
from sharing.models import Action, AuditEntry, AuditQueued, Incident
from sharing.vocabulary import ActionKind, ActionStatus, Role
from tests.fixtures.api import HTTPS
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_user, lock_demo_case
from tests.hub.test_api_calls import call, fields_named, housing, new_case, open_case, police

__all__ = ["housing", "police"]  # the module's clients, fixtures


def _incident(**changes: Any) -> dict[str, Any]:
    return {
        "occurred_at": (clock.now() - timedelta(hours=2)).isoformat(),
        "description": "Shouting on the stairs",
        "place": "Stairwell B",
        **changes,
    }


def _record(  # type: ignore[no-untyped-def]
    app: Flask,
    registered: api_clients.Registered,
    case_id: int,
    key: str = "",
    incident: dict[str, Any] | None = None,
):
    return call(
        app,
        registered,
        "POST",
        f"/api/v1/cases/{case_id}/incidents",
        json=incident or _incident(),
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def _opened(app: Flask, registered: api_clients.Registered) -> int:
    answer = open_case(app, registered, new_case())
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return int(answer.get_json()["case_id"])


def _entries(session: Session, answer) -> list[tuple[str, str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    """(action, outcome, object id, basis) of each entry the request wrote."""
    session.expire_all()
    request_id = answer.headers["X-Request-Id"]
    entries = [
        *session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id)),
        *session.scalars(select(AuditQueued).where(AuditQueued.request_id == request_id)),
    ]
    return [(e.action, e.outcome, e.object_id, e.basis) for e in entries]


def _manager(session: Session) -> Actor:
    return Actor.of(demo_user(session, "northshire-homes", Role.MANAGER))


def _document(app: Flask) -> dict[str, Any]:
    answer = app.test_client().get("/api/v1/openapi.json", base_url=HTTPS)
    return answer.get_json()  # type: ignore[no-any-return]


# -- an incident recorded, and read where Location says ----------------------------------


def test_an_incident_recorded_answers_where_to_read_it_and_reads_there_as_on_its_case(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing)
    key, incident = str(uuid.uuid4()), _incident()

    recorded = _record(demo_hub, housing, case_id, key, incident)
    again = _record(demo_hub, housing, case_id, key, incident)

    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    incident_id = recorded.get_json()["incident_id"]
    location = f"/api/v1/cases/{case_id}/incidents/{incident_id}"
    assert recorded.headers["Location"] == location
    assert again.headers["Location"] == location  # a retry is told the same place
    assert again.headers["Idempotent-Replayed"] == "true"

    read = call(demo_hub, housing, "GET", location)

    assert read.status_code == 200, read.get_data(as_text=True)
    incident = read.get_json()
    on_the_case = call(demo_hub, housing, "GET", f"/api/v1/cases/{case_id}").get_json()
    [listed] = [i for i in on_the_case["incidents"] if i["id"] == incident_id]
    assert {k: incident[k] for k in listed} == listed  # as the case's incidents give it
    assert incident["description"] == "Shouting on the stairs"
    assert incident["place"] == "Stairwell B"
    assert (incident["case_id"], incident["erased"]) == (case_id, False)
    assert incident["basis"]["narrative"].startswith("Your agency's own case")
    [(action, outcome, object_id, basis)] = _entries(demo_session, read)
    assert (action, outcome, object_id) == ("case.view", "allowed", str(case_id))
    assert basis is not None
    assert basis.endswith(f"| sections incident {incident_id}")
    assert "Shouting" not in basis
    assert "Stairwell" not in basis


def test_an_incident_time_without_its_offset_is_refused_naming_it_and_nothing_recorded(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    """A time without its offset could be either 1:30am of the night the clocks go back
    (or, in summer, an hour out): the API takes only an instant, as it documents."""
    case_id = _opened(demo_hub, housing)
    demo_session.expire_all()
    before = demo_session.scalars(select(Incident.id).where(Incident.case_id == case_id)).all()

    for sent in ("2025-10-26T01:30:00", "2025-10-26 01:30", "2025-10-26T01:30:00 BST"):
        answer = _record(demo_hub, housing, case_id, incident=_incident(occurred_at=sent))
        assert answer.status_code == 422, answer.get_data(as_text=True)
        assert fields_named(answer) == ["occurred_at"]

    demo_session.expire_all()
    after = demo_session.scalars(select(Incident.id).where(Incident.case_id == case_id)).all()
    assert after == before


def test_a_partners_incident_is_read_for_a_purpose_the_case_is_shared_for(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    officer = Actor.of(demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    share, incident_id = next(
        (s, i)
        for s in share_lists.shared_with(demo_session, officer)
        for i in demo_session.scalars(select(Incident.id).where(Incident.case_id == s.case_id))
    )
    path = f"/api/v1/cases/{share.case_id}/incidents/{incident_id}"

    without = call(demo_hub, police, "GET", path)
    unshared = call(demo_hub, police, "GET", f"{path}?purpose=something_else")
    read = call(demo_hub, police, "GET", f"{path}?purpose={share.purpose}")

    for refused in (without, unshared):
        assert refused.status_code == 400
        assert fields_named(refused) == ["purpose"]
        assert share.purpose in refused.get_json()["purposes"]
        assert [(a, o) for a, o, _, _ in _entries(demo_session, refused)] == [
            ("case.view", "refused")
        ]
    assert read.status_code == 200, read.get_data(as_text=True)
    incident = read.get_json()
    given = set(incident["basis"])
    assert incident["description"] is None or "narrative" in given
    assert incident["place"] is None or "location" in given
    assert incident["crime_reference"] is None or "offending" in given
    [(action, outcome, object_id, basis)] = _entries(demo_session, read)
    assert (action, outcome, object_id) == ("case.view", "allowed", str(share.case_id))
    assert basis is not None
    assert basis.endswith(f"sections incident {incident_id}")


def test_an_incident_of_another_case_or_a_case_not_known_is_not_found_and_recorded(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing)
    other = _opened(demo_hub, housing)
    elsewhere = _record(demo_hub, housing, other).get_json()["incident_id"]
    locked = lock_demo_case(demo_session).id
    locked_incident = demo_session.scalar(select(Incident.id).where(Incident.case_id == locked))

    through_another = call(
        demo_hub, housing, "GET", f"/api/v1/cases/{case_id}/incidents/{elsewhere}"
    )
    no_case = call(demo_hub, housing, "GET", f"/api/v1/cases/999999/incidents/{elsewhere}")
    of_a_locked_case = call(
        demo_hub, housing, "GET", f"/api/v1/cases/{locked}/incidents/{locked_incident or 1}"
    )

    for answer in (through_another, no_case, of_a_locked_case):
        assert answer.status_code == 404, answer.get_data(as_text=True)
        assert answer.mimetype == "application/problem+json"
        assert [(a, o) for a, o, _, _ in _entries(demo_session, answer)] == [
            ("case.view", "refused")
        ]
    [(_, _, object_id, basis)] = _entries(demo_session, through_another)
    assert (object_id, basis) == (str(case_id), f"no such incident {elsewhere} on the case")


# -- writes on a closed case ---------------------------------------------------------------


def test_an_incident_for_the_agencys_own_closed_case_is_a_conflict_saying_it_is_closed(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing)
    close_for_erasure(demo_session, _manager(demo_session), case_id)
    demo_session.commit()

    answer = _record(demo_hub, housing, case_id)

    assert answer.status_code == 409, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["title"] == "Case closed"
    assert problem["detail"] == "The case is closed: nothing more is recorded on it"
    assert _entries(demo_session, answer) == [
        ("case.record", "refused", str(case_id), "the case is closed")
    ]
    demo_session.expire_all()
    kept = demo_session.scalars(select(Incident).where(Incident.case_id == case_id)).all()
    assert len(kept) == 1  # its first, nothing more


def test_an_action_closed_with_its_case_is_a_conflict_and_a_follow_up_still_closes(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing)
    manager = _manager(demo_session)
    action = actions.add_action(
        demo_session,
        authorise(demo_session, manager, case_id, Act.RECORD),
        actions.ActionInput(ActionKind.PERPETRATOR_VISIT, "Visit the flat above"),
    )
    demo_session.commit()
    close_for_erasure(demo_session, manager, case_id)
    demo_session.commit()
    path = f"/api/v1/actions/{action.id}/outcome"

    answer = call(demo_hub, housing, "POST", path, json={"outcome": "done", "note": "Visited"})

    assert answer.status_code == 409, answer.get_data(as_text=True)
    problem = answer.get_json()
    assert problem["title"] == "Case closed"
    assert problem["detail"] == "The case is closed: the action was closed with it"
    assert _entries(demo_session, answer) == [
        ("action.close", "refused", str(case_id), f"refused: action {action.id} already cancelled")
    ]
    demo_session.expire_all()
    assert demo_session.get_one(Action, action.id).status is ActionStatus.CANCELLED


def test_the_document_says_where_an_incident_is_read_and_when_a_write_conflicts(
    demo_hub: Flask,
) -> None:
    paths = _document(demo_hub)["paths"]

    recorded = paths["/api/v1/cases/{case_id}/incidents"]["post"]["responses"]
    assert "Location" in recorded["201"]["headers"]
    assert "closed" in recorded["409"]["description"]
    read = paths["/api/v1/cases/{case_id}/incidents/{incident_id}"]["get"]
    assert read["security"] == [{"partner": ["cases:read"]}]
    assert {p["name"] for p in read["parameters"] if p["in"] == "query"} == {"purpose"}
    assert read["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseIncident"
    }
    assert set(read["responses"]) >= {"200", "400", "403", "404"}
    closing = paths["/api/v1/actions/{action_id}/outcome"]["post"]["responses"]
    assert "closed with it" in closing["409"]["description"]


def test_the_imports_bad_dry_run_is_described_where_the_import_is(demo_hub: Flask) -> None:
    imported = _document(demo_hub)["paths"]["/api/v1/cases/import"]["post"]

    [dry_run] = [p for p in imported["parameters"] if p["name"] == "dry_run"]
    assert "true or false" in dry_run["description"]
    assert "dry_run" in imported["responses"]["400"]["description"]
    assert "JSON" not in imported["responses"]["400"]["description"]  # not the generic one


def test_a_dry_run_neither_true_nor_false_is_refused_naming_it(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    answer = call(
        demo_hub,
        housing,
        "POST",
        "/api/v1/cases/import?dry_run=perhaps",
        data="reference\n",
        content_type="text/csv",
    )

    assert answer.status_code == 400
    assert fields_named(answer) == ["dry_run"]


def test_an_incident_of_an_erased_case_reads_erased_and_takes_no_other(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = _opened(demo_hub, housing)
    incident_id = _record(demo_hub, housing, case_id).get_json()["incident_id"]
    manager = _manager(demo_session)
    close_for_erasure(demo_session, manager, case_id)
    erase_case(demo_session, authorise(demo_session, manager, case_id, Act.ERASE))
    demo_session.commit()

    read = call(demo_hub, housing, "GET", f"/api/v1/cases/{case_id}/incidents/{incident_id}")
    another = _record(demo_hub, housing, case_id)

    assert read.status_code == 200, read.get_data(as_text=True)
    incident = read.get_json()
    assert incident["erased"] is True
    assert (incident["description"], incident["place"], incident["crime_reference"]) == (
        None,
        None,
        None,
    )
    assert incident["occurred_at"]  # its dates stay, as on the erased case
    assert another.status_code == 409, another.get_data(as_text=True)
    assert another.get_json()["title"] == "Case erased"
    assert (
        another.get_json()["detail"] == "The case has been erased: nothing more is recorded on it"
    )


def test_an_incident_reads_the_day_it_was_reported_whether_sent_or_not(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    """What a Community Trigger application counts from is a day on every incident: the
    day sent, or the day it was recorded, never null (which reads as withheld)."""
    today = clock.day_of(clock.now())
    case_id = _opened(demo_hub, housing)  # its first incident sent without the day
    told = _incident(
        occurred_at=(clock.now() - timedelta(days=3)).isoformat(),
        reported_on=(today - timedelta(days=2)).isoformat(),
        description="Told us two days ago",
    )
    assert _record(demo_hub, housing, case_id, incident=told).status_code == 201
    assert _record(demo_hub, housing, case_id).status_code == 201

    read = call(demo_hub, housing, "GET", f"/api/v1/cases/{case_id}").get_json()

    assert sorted(i["reported_on"] for i in read["incidents"]) == [
        (today - timedelta(days=2)).isoformat(),
        today.isoformat(),
        today.isoformat(),
    ]
    document = _document(demo_hub)["components"]["schemas"]["Incident"]["properties"]
    assert "null" not in str(document["reported_on"].get("type"))
