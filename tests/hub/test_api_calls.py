"""The partner API's calls as a partner system makes them: reading cases as its agency
may see them, opening cases and recording incidents (once per idempotency key), working
its agency's actions, reading shared risk, importing a file; and every bad request
answered with problem details naming what was wrong."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hub.api import paging
from sharing import api_clients, clock
from sharing.access.decide import Actor
from sharing.audit import listings, log
from sharing.cases import agency_actions, share_ending, share_lists
from sharing.models import Action, AuditEntry, Case, CaseParty, Share, User
from sharing.vocabulary import ActionStatus, Role
from tests.fixtures.api import HTTPS, bearer_for, register
from tests.fixtures.demo import demo_user, lock_demo_case


@pytest.fixture(scope="module")
def police(demo_hub: Flask) -> api_clients.Registered:
    """The police's records system, acting as one of its case officers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-police", Role.CASE_OFFICER, name="Police records")


@pytest.fixture(scope="module")
def housing(demo_hub: Flask) -> api_clients.Registered:
    """Northshire Homes' housing management system, acting as one of its managers."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return register(session, "northshire-homes", Role.MANAGER, name="Housing management")


def call(app: Flask, registered: api_clients.Registered, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    client: FlaskClient = app.test_client()
    headers = {**bearer_for(client, registered), **kwargs.pop("headers", {})}
    return client.open(path, method=method, headers=headers, base_url=HTTPS, **kwargs)


def new_case(**changes: Any) -> dict[str, Any]:
    """A case a housing system sends: a noise nuisance with its victim and first incident."""
    yesterday = clock.now() - timedelta(days=1)
    body: dict[str, Any] = {
        "reference": f"HMS-{uuid.uuid4().hex[:10]}",
        "category": "noise",
        "priority": "amber",
        "triage": "low_level",
        "summary": "Loud music from the flat above most nights after midnight",
        "postcode": "NS1 4AB",
        "victim": {"given_names": "Ada", "family_name": "Okafor", "phone": "07700 900123"},
        "incident": {
            "occurred_at": yesterday.isoformat(),
            "description": "Music until 3am",
            "place": "Flat 4",
        },
    }
    body.update(changes)
    return body


def open_case(app: Flask, registered: api_clients.Registered, body: dict[str, Any], key: str = ""):  # type: ignore[no-untyped-def]
    return call(
        app,
        registered,
        "POST",
        "/api/v1/cases",
        json=body,
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def fields_named(answer) -> list[str]:  # type: ignore[no-untyped-def]
    assert answer.mimetype == "application/problem+json", answer.get_data(as_text=True)
    return [e["field"] for e in answer.get_json().get("errors", [])]


# -- reading ----------------------------------------------------------------------------


def test_a_shared_case_reads_as_the_agency_may_see_it_with_the_basis(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    officer = Actor.of(demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    share = share_lists.shared_with(demo_session, officer)[0]

    answer = call(demo_hub, police, "GET", f"/api/v1/cases/{share.case_id}?purpose={share.purpose}")

    assert answer.status_code == 200, answer.get_data(as_text=True)
    case = answer.get_json()
    assert case["reference"] == share.case_reference
    assert case["basis"], "a share gives categories, each with its clause"
    assert all("clause" in basis or "protocol" in basis for basis in case["basis"].values())
    # each field is there exactly when its category is given
    given = set(case["basis"])
    for person in case["people"]:
        assert (person["name"] is not None) == ("identity" in given and not person["erased"])
        assert person["phone"] is None or "contact" in given
    assert (case["summary"] is not None) == ("narrative" in given)
    assert case["postcode"] is None or "location" in given
    for incident in case["incidents"]:
        assert incident["description"] is None or "narrative" in given
        assert incident["crime_reference"] is None or "offending" in given
    assert not {"identity", "narrative"} <= given or case["people"], "the case has people"
    assert case["external_reference"] is None  # the owner's own system's, for the owner only
    demo_session.expire_all()
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "case.view", AuditEntry.object_id == str(share.case_id))
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.actor_user_id == police.client.user_id
    assert entry.purpose == share.purpose


def test_a_partners_case_is_read_with_its_purpose_and_the_answer_and_document_say_so(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    officer = Actor.of(demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    share = share_lists.shared_with(demo_session, officer)[0]

    answer = call(demo_hub, police, "GET", f"/api/v1/cases/{share.case_id}")

    assert answer.status_code == 400
    assert answer.get_json()["detail"] == (
        "A partner's case is always read for a purpose: say which with ?purpose= (one of purposes)"
    )
    assert share.purpose in answer.get_json()["purposes"]
    assert fields_named(answer) == ["purpose"]  # the part of the address to mend
    document = demo_hub.test_client().get("/api/v1/openapi.json", base_url=HTTPS).get_json()
    described = document["paths"]["/api/v1/cases/{case_id}"]["get"]["description"]
    assert "always say the purpose" in " ".join(described.split())


def test_cases_the_agency_may_not_know_of_are_not_found_alike(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    locked = lock_demo_case(demo_session)
    # A landlord's case never shared with the police (which cases are depends on the day
    # the demo is built for).
    unshared = demo_session.scalar(
        select(Case.id).where(
            Case.agency.has(code="larkmoor-ha"),
            Case.locked.is_(False),
            Case.id.not_in(select(Share.case_id).where(Share.agency.has(code="northshire-police"))),
        )
    )
    missing = demo_session.scalar(select(func.max(Case.id))) + 1000
    answers = [
        call(demo_hub, police, "GET", f"/api/v1/cases/{case_id}")
        for case_id in (locked.id, unshared, missing)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.get_data() for a in answers}) == 1, "the same answer: nothing to tell them apart"
    assert answers[0].mimetype == "application/problem+json"


def test_a_client_of_a_role_no_clause_serves_is_not_told_which_cases_are_shared(
    demo_hub: Flask, demo_session: Session
) -> None:
    with demo_hub.extensions["hub.sessions"]() as session:
        analyst = register(session, "northshire-police", Role.ANALYST, name="Police analysis")
    shared = demo_session.scalar(
        select(Share.case_id)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.agency.has(code="northshire-police"),
            Share.revoked_at.is_(None),
            Case.locked.is_(False),
        )
    )
    missing = demo_session.scalar(select(func.max(Case.id))) + 1000
    answers = [call(demo_hub, analyst, "GET", f"/api/v1/cases/{i}") for i in (shared, missing)]
    # Not "purpose required" with the share's purposes: the case is not found, as one
    # that does not exist.
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].get_data() == answers[1].get_data()
    # Nor the agency's actions, which only case officers and managers work (as on the web).
    listed = call(demo_hub, analyst, "GET", "/api/v1/actions")
    assert listed.status_code == 403
    detail = listed.get_json()["detail"]
    assert "only case officers and managers work their agency's actions" in detail


# -- opening cases ----------------------------------------------------------------------


def test_a_housing_system_opens_a_case_and_reads_it_back(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    body = new_case()
    answer = open_case(demo_hub, housing, body)

    assert answer.status_code == 201, answer.get_data(as_text=True)
    opened = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/cases/{opened['case_id']}"
    assert opened["external_reference"] == body["reference"]
    read = call(demo_hub, housing, "GET", answer.headers["Location"]).get_json()
    assert read["reference"] == opened["reference"]
    assert read["external_reference"] == body["reference"]
    assert read["summary"] == body["summary"]
    assert read["postcode"] == "NS1 4AB"
    assert [p["name"] for p in read["people"]] == ["Ada Okafor"]
    assert read["incidents"][0]["description"] == "Music until 3am"
    assert read["incidents"][0]["id"] == opened["incident_id"]
    demo_session.expire_all()
    case = demo_session.get(Case, opened["case_id"])
    assert case.created_by_id == housing.client.user_id


@pytest.mark.parametrize(
    "sent",
    [
        "2026-10-25T01:30:00+00:00",  # 01:30 GMT: the second 01:30 in England that night
        "2026-10-25T00:30:00+00:00",  # 01:30 BST: the first
        "2026-10-25T01:30:45+00:00",
        "2026-06-01T23:40:17+01:00",
    ],
)
def test_a_first_incident_is_kept_as_the_instant_sent(
    demo_hub: Flask, housing: api_clients.Registered, sent: str
) -> None:
    """A case's first incident is the instant the partner system sent, to the second, in
    the hour the clocks go back too, as an incident recorded on the case later is."""
    instant = datetime.fromisoformat(sent)
    with clock.pinned(max(clock.now(), datetime(2026, 11, 2, 12, tzinfo=UTC))):
        body = new_case(incident={"occurred_at": sent, "description": "Music until 3am"})
        opened = open_case(demo_hub, housing, body)
        assert opened.status_code == 201, opened.get_data(as_text=True)
        path = opened.headers["Location"]
        later = {"occurred_at": sent, "description": "More music", "reported_to_police": False}
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        added = call(demo_hub, housing, "POST", f"{path}/incidents", json=later, headers=headers)
        assert added.status_code == 201, added.get_data(as_text=True)
        read = call(demo_hub, housing, "GET", path).get_json()

    at = {i["description"]: datetime.fromisoformat(i["occurred_at"]) for i in read["incidents"]}
    assert at == {"Music until 3am": instant, "More music": instant}


def test_a_red_urgent_case_from_a_housing_system_is_reviewed_as_the_partnership_asks(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = replace(demo_hub.config["HUB_SETTINGS"], review_days_red_urgent=5)
    monkeypatch.setitem(demo_hub.config, "HUB_SETTINGS", settings)
    answer = open_case(demo_hub, housing, new_case(priority="red_urgent", triage="serious"))

    assert answer.status_code == 201, answer.get_data(as_text=True)
    demo_session.expire_all()
    case = demo_session.get(Case, answer.get_json()["case_id"])
    assert case.review_due_on == clock.today() + timedelta(days=5)
    assert case.risk_review_due_on == clock.today()


def test_a_case_from_before_brings_its_contacts_and_next_review_from_the_housing_system(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    today = clock.today()
    opened, review = today - timedelta(days=200), today + timedelta(days=3)
    body = new_case(
        opened_on=opened.isoformat(),
        first_contact_on=(opened + timedelta(days=1)).isoformat(),
        next_review_on=review.isoformat(),
    )
    answer = open_case(demo_hub, housing, body)

    assert answer.status_code == 201, answer.get_data(as_text=True)
    demo_session.expire_all()
    case = demo_session.get(Case, answer.get_json()["case_id"])
    # The last contact is the first, when the system sends no other.
    first = opened + timedelta(days=1)
    assert (case.first_contact_on, case.last_contact_on, case.review_due_on) == (
        first,
        first,
        review,
    )


def test_a_person_the_agency_already_holds_is_linked_not_recorded_again(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    victim = {"given_names": "Grace", "family_name": "Adeyemi-Ng", "date_of_birth": "1961-05-04"}
    first = open_case(demo_hub, housing, new_case(victim=victim)).get_json()
    second = open_case(demo_hub, housing, new_case(victim=victim)).get_json()

    assert (first["people_matched"], second["people_matched"]) == (0, 1)
    people = {
        demo_session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == c["case_id"]))
        for c in (first, second)
    }
    assert len(people) == 1


def test_a_retried_request_opens_one_case_and_gets_the_first_answer(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    body, key = new_case(), str(uuid.uuid4())
    first = open_case(demo_hub, housing, body, key)
    again = open_case(demo_hub, housing, body, key)

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    demo_session.expire_all()
    assert (
        demo_session.scalar(
            select(func.count()).where(Case.external_reference == body["reference"])
        )
        == 1
    )

    reused = open_case(demo_hub, housing, new_case(), key)
    assert reused.status_code == 422
    assert "different request" in reused.get_json()["detail"]
    assert fields_named(reused) == ["Idempotency-Key"]  # which part of the request to mend


def test_a_retry_of_the_same_case_written_differently_gets_the_first_answer(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    body, key = new_case(), str(uuid.uuid4())
    reordered = dict(reversed(body.items()))

    def send(text: str):  # type: ignore[no-untyped-def]
        return call(
            demo_hub,
            housing,
            "POST",
            "/api/v1/cases",
            data=text,
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    first = send(json.dumps(body))
    again = [send(json.dumps(body, indent=2)), send(json.dumps(reordered, separators=(",", ":")))]

    assert first.status_code == 201, first.get_data(as_text=True)
    for answer in again:
        assert answer.status_code == 201, answer.get_data(as_text=True)
        assert answer.headers["Idempotent-Replayed"] == "true"
        assert answer.get_json() == first.get_json()
    demo_session.expire_all()
    assert (
        demo_session.scalar(
            select(func.count()).where(Case.external_reference == body["reference"])
        )
        == 1
    )


def test_retries_racing_each_other_open_one_case(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    body, key = new_case(), str(uuid.uuid4())
    answers: list[Any] = []
    barrier = threading.Barrier(4, timeout=30)

    def send() -> None:
        client = demo_hub.test_client()
        headers = {**bearer_for(client, housing), "Idempotency-Key": key}
        barrier.wait()
        answers.append(client.post("/api/v1/cases", json=body, headers=headers, base_url=HTTPS))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.get_json()["case_id"] for a in answers}) == 1
    demo_session.expire_all()
    assert (
        demo_session.scalar(
            select(func.count()).where(Case.external_reference == body["reference"])
        )
        == 1
    )


def test_the_same_reference_twice_is_a_conflict_naming_the_case(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    body = new_case()
    first = open_case(demo_hub, housing, body).get_json()
    second = open_case(demo_hub, housing, body)
    assert second.status_code == 409
    assert second.get_json()["case_id"] == first["case_id"]


def test_a_reference_of_a_locked_case_is_a_conflict_that_names_no_case(
    demo_hub: Flask, demo_session: Session
) -> None:
    locked = lock_demo_case(demo_session)
    locked.external_reference = f"HMS-{uuid.uuid4().hex[:10]}"
    demo_session.commit()
    outside = next(
        u
        for u in demo_session.scalars(
            select(User).where(User.agency_id == locked.agency_id).order_by(User.id.desc())
        )
        if Role.CASE_OFFICER in u.roles and u.id != locked.officer_id
    )
    registered = api_clients.register(
        demo_session, user=outside, name="Lock probe", scopes=sorted(api_clients.SCOPES)
    )
    demo_session.commit()

    answer = open_case(demo_hub, registered, new_case(reference=locked.external_reference))

    assert answer.status_code == 409
    assert "case_id" not in answer.get_json()
    assert answer.get_json()["detail"] == "This reference is already used in your agency's records"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "loud"}, "category"),
        ({"summary": ""}, "summary"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"ward": "Atlantis"}, "ward"),
        ({"uprn": "12a"}, "uprn"),
        ({"hate_motivated": True}, "protected_characteristic"),
        ({"victim": {"family_name": "Okafor", "phone": "call me"}}, "victim.phone"),
        ({"victim": {"given_names": "Ada", "shoe_size": "5"}}, "victim.shoe_size"),
        ({"victim": {"phone": "07700 900123"}}, "victim.family_name"),
        ({"officer_email": "nobody@example.org"}, "officer_email"),
        ({"incident": {"description": "x"}}, "incident.occurred_at"),
        (
            {"incident": {"occurred_at": "2026-03-30T22:15:00", "description": "x"}},
            "incident.occurred_at",
        ),
        (
            {"incident": {"occurred_at": "2999-01-01T00:00:00+00:00", "description": "x"}},
            "incident.occurred_at",
        ),
        (
            {"incident": {"occurred_at": "9999-12-31T23:59:00-14:00", "description": "x"}},
            "incident.occurred_at",
        ),
        (
            {"incident": {"occurred_at": "9999-12-31T23:59:59-00:01", "description": "x"}},
            "incident.occurred_at",
        ),
        ({"summary": '=HYPERLINK("http://x")'}, "summary"),
        ({"reference": "x" * 61}, "reference"),
        ({"colour": "red"}, "colour"),
        ({"first_contact_on": "2999-01-01"}, "first_contact_on"),
        ({"last_contact_on": "2026-01-05"}, "last_contact_on"),
        ({"next_review_on": "2999-01-01"}, "next_review_on"),
        ({"opened_on": "2026-01-05", "first_contact_on": "2026-01-04"}, "first_contact_on"),
    ],
)
def test_a_bad_case_is_refused_naming_the_field_and_nothing_is_opened(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = demo_session.scalar(select(func.count()).select_from(Case))
    body = new_case(**changes)
    answer = open_case(demo_hub, housing, body)

    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert field in fields_named(answer)
    text = answer.get_data(as_text=True)
    assert "Okafor" not in text
    assert "Traceback" not in text
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(Case)) == before


def test_requests_that_are_not_json_or_lack_a_key_are_refused_clearly(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    no_key = call(demo_hub, housing, "POST", "/api/v1/cases", json=new_case())
    form = call(demo_hub, housing, "POST", "/api/v1/cases", data={"a": "b"}, headers=key)
    broken = call(
        demo_hub,
        housing,
        "POST",
        "/api/v1/cases",
        data="{not json",
        content_type="application/json",
        headers=key,
    )
    listed = call(demo_hub, housing, "POST", "/api/v1/cases", json=[new_case()], headers=key)
    long_key = call(
        demo_hub,
        housing,
        "POST",
        "/api/v1/cases",
        json=new_case(),
        headers={"Idempotency-Key": "k" * 256},
    )

    assert (no_key.status_code, no_key.get_json()["title"]) == (400, "Idempotency key required")
    assert form.status_code == 415
    assert broken.status_code == 400
    assert listed.status_code == 422
    assert fields_named(listed) == ["body"]
    assert long_key.status_code == 400
    assert fields_named(no_key) == fields_named(long_key) == ["Idempotency-Key"]


#: The calls that take a JSON body.
JSON_CALLS = ["/api/v1/cases", "/api/v1/cases/1/incidents", "/api/v1/actions/1/outcome"]


@pytest.mark.parametrize("path", JSON_CALLS)
@pytest.mark.parametrize(
    "deep", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000]
)
def test_json_nested_too_deeply_is_refused_as_not_valid_json(
    demo_hub: Flask, housing: api_clients.Registered, path: str, deep: str
) -> None:
    answer = call(
        demo_hub,
        housing,
        "POST",
        path,
        data=deep,
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["detail"] == "The body is not valid JSON"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "Music \ud800"}, "summary"),
        ({"victim": {"family_name": "Okafor\udc80"}}, "victim.family_name"),
        (
            {"incident": {"occurred_at": clock.now().isoformat(), "description": "\udfff"}},
            "incident.description",
        ),
        ({"category": "\ud800"}, "category"),
        ({"\ud800": "x"}, "body"),
    ],
)
def test_text_that_is_not_text_is_refused_naming_the_field_and_a_mended_retry_opens_the_case(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    changes: dict[str, Any],
    field: str,
) -> None:
    body, key = new_case(), str(uuid.uuid4())
    sent = json.dumps({**body, **changes})  # a lone surrogate, escaped as JSON allows

    answer = call(
        demo_hub,
        housing,
        "POST",
        "/api/v1/cases",
        data=sent,
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )

    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.get_json()["errors"][0]["field"] == field
    assert "not valid text" in answer.get_json()["errors"][0]["reason"]
    mended = open_case(demo_hub, housing, body, key)
    assert mended.status_code == 201, mended.get_data(as_text=True)
    assert "Idempotent-Replayed" not in mended.headers


def test_an_incident_or_a_note_that_is_not_text_is_refused_naming_the_field(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    case_id = open_case(demo_hub, housing, new_case()).get_json()["case_id"]
    incident = {"occurred_at": clock.now().isoformat(), "description": "Shouting \udc80"}
    recorded = call(
        demo_hub,
        housing,
        "POST",
        f"/api/v1/cases/{case_id}/incidents",
        data=json.dumps(incident),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    closed = call(
        demo_hub,
        housing,
        "POST",
        "/api/v1/actions/1/outcome",
        data=json.dumps({"outcome": "done", "note": "\ud800"}),
        content_type="application/json",
    )

    assert recorded.status_code == closed.status_code == 422
    assert fields_named(recorded) == ["description"]
    assert fields_named(closed) == ["note"]


def test_a_read_only_client_cannot_open_cases(demo_hub: Flask, demo_session: Session) -> None:
    reader = register(demo_session, "northshire-homes", Role.CASE_OFFICER, ["cases:read"])
    answer = open_case(demo_hub, reader, new_case())
    assert answer.status_code == 403
    assert "cases:write" in answer.get_json()["detail"]


# -- incidents --------------------------------------------------------------------------


def test_an_incident_is_recorded_once_on_the_agencys_own_case(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    case_id = open_case(demo_hub, housing, new_case()).get_json()["case_id"]
    incident = {
        "occurred_at": (clock.now() - timedelta(hours=2)).isoformat(),
        "description": "Shouting on the stairs",
        "reported_to_police": True,
        "crime_reference": "NS/1234/26",
    }
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"/api/v1/cases/{case_id}/incidents"
    first = call(demo_hub, housing, "POST", path, json=incident, headers=key)
    again = call(demo_hub, housing, "POST", path, json=incident, headers=key)

    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    read = call(demo_hub, housing, "GET", f"/api/v1/cases/{case_id}").get_json()
    assert [i["description"] for i in read["incidents"]].count("Shouting on the stairs") == 1

    no_police = {**incident, "reported_to_police": False}
    refused = call(
        demo_hub, housing, "POST", path, json=no_police, headers={"Idempotency-Key": "n"}
    )
    assert refused.status_code == 422
    assert fields_named(refused) == ["crime_reference"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": '=HYPERLINK("http://evil.example","Click")'}, "description"),
        ({"place": "+cmd"}, "place"),
        ({"reported_to_police": True, "crime_reference": "=1+2"}, "crime_reference"),
        ({"description": "＠SUM(A1)"}, "description"),
    ],
)
def test_an_incident_holding_a_spreadsheet_formula_is_refused_naming_the_field(
    demo_hub: Flask, housing: api_clients.Registered, changes: dict[str, Any], field: str
) -> None:
    case_id = open_case(demo_hub, housing, new_case()).get_json()["case_id"]
    incident = {
        "occurred_at": (clock.now() - timedelta(hours=2)).isoformat(),
        "description": "Shouting on the stairs",
        **changes,
    }

    answer = call(
        demo_hub,
        housing,
        "POST",
        f"/api/v1/cases/{case_id}/incidents",
        json=incident,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )

    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert fields_named(answer) == [field]
    assert "spreadsheet formula" in answer.get_json()["errors"][0]["reason"]


def test_a_partner_may_not_record_on_a_case_shared_with_it(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    officer = Actor.of(demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    shared = share_lists.shared_with(demo_session, officer)[0]
    answer = call(
        demo_hub,
        police,
        "POST",
        f"/api/v1/cases/{shared.case_id}/incidents",
        json={"occurred_at": clock.now().isoformat(), "description": "x"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 403  # the case is shared with them: they are told why
    assert answer.mimetype == "application/problem+json"
    assert "only the owning agency" in answer.json["detail"]


# -- actions and risk -------------------------------------------------------------------


def test_the_agencys_actions_are_listed_and_one_is_marked_done(
    demo_hub: Flask, demo_session: Session, housing: api_clients.Registered
) -> None:
    actor = Actor.of(demo_user(demo_session, "northshire-homes", Role.MANAGER))
    expected = agency_actions.actions_for_agency(demo_session, actor, size=100).rows
    demo_session.commit()

    listed = call(demo_hub, housing, "GET", "/api/v1/actions").get_json()["actions"]
    assert [a["id"] for a in listed] == [a.id for a in expected]
    closable = next(a for a in listed if a["may_complete"])

    path = f"/api/v1/actions/{closable['id']}/outcome"
    done = call(demo_hub, housing, "POST", path, json={"outcome": "done", "note": "Visited"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json() == {"id": closable["id"], "status": "done"}
    demo_session.expire_all()
    assert demo_session.get(Action, closable["id"]).status is ActionStatus.DONE

    twice = call(demo_hub, housing, "POST", path, json={"outcome": "done", "note": "Again"})
    assert twice.status_code == 422
    assert "already done" in twice.get_json()["errors"][0]["reason"]
    no_note = call(demo_hub, housing, "POST", path, json={"outcome": "cancelled"})
    assert no_note.status_code == 422
    assert fields_named(no_note) == ["note"]
    formula = {"outcome": "cancelled", "note": "-1+2"}
    refused = call(
        demo_hub, housing, "POST", f"/api/v1/actions/{listed[-1]['id']}/outcome", json=formula
    )
    assert refused.status_code == 422
    assert fields_named(refused) == ["note"]


def test_the_agencys_actions_come_a_page_at_a_time_each_page_recorded_with_what_it_listed(
    demo_hub: Flask,
    demo_session: Session,
    police: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = demo_session.get(User, police.client.user_id)
    expected = _open_actions(demo_session, police)
    # Three pages or more, however many open actions the demo of the day gave the police.
    assert len(expected) >= 6
    size = min(10, len(expected) // 3)
    monkeypatch.setattr(paging, "PAGE_SIZE", size)
    seen: list[int] = []
    path: str | None = "/api/v1/actions"
    while path:
        answer = call(demo_hub, police, "GET", path)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        page = answer.get_json()
        assert len(page["actions"]) <= size
        assert (page["total"], page["pages"]) == (len(expected), -(-len(expected) // size))
        seen += [a["id"] for a in page["actions"]]
        entry = demo_session.scalar(
            select(AuditEntry)
            .where(
                AuditEntry.action == "actions.list",
                AuditEntry.actor_user_id == owner.id,
                AuditEntry.outcome == "allowed",  # the page's, not the refusals beside it
            )
            .order_by(AuditEntry.seq.desc())
        )
        assert listings.listed(entry.basis, "actions") == {a["id"] for a in page["actions"]}
        assert listings.listed(entry.basis, "cases") == {
            a["case_id"] for a in page["actions"] if a["description"] is not None
        }
        path = page["next"]
    assert seen == expected  # every action once, in order
    for wrong in ("0", "x", "100001"):
        refused = call(demo_hub, police, "GET", f"/api/v1/actions?page={wrong}")
        assert refused.status_code == 400
        assert fields_named(refused) == ["page"]
    last = call(demo_hub, police, "GET", "/api/v1/actions?page=99").get_json()
    assert (last["page"], last["next"]) == (last["pages"], None)


def test_actions_closed_while_the_list_is_read_page_by_page_are_neither_skipped_nor_repeated(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A housing system works its actions: it reads a page, marks done what it can on it,
    # then follows next. The actions after the page must still all come.
    monkeypatch.setattr(paging, "PAGE_SIZE", 4)
    first = call(demo_hub, housing, "GET", "/api/v1/actions").get_json()
    assert first["next"], "the demo gives the landlord more than one page of actions"
    closed = [a["id"] for a in first["actions"] if a["may_complete"]]
    assert closed
    for action_id in closed:
        path = f"/api/v1/actions/{action_id}/outcome"
        done = call(demo_hub, housing, "POST", path, json={"outcome": "done", "note": "Visited"})
        assert done.status_code == 200, done.get_data(as_text=True)
    still_open = _open_actions(demo_session, housing)
    seen = [a["id"] for a in first["actions"]]
    path: str | None = first["next"]
    while path:
        page = call(demo_hub, housing, "GET", path).get_json()
        seen += [a["id"] for a in page["actions"]]
        path = page["next"]
    assert len(seen) == len(set(seen)), "no action listed twice"
    assert [i for i in still_open if i not in seen] == [], "no open action skipped"


def test_an_action_moved_to_a_later_day_while_the_list_is_read_moves_no_other(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The owner moves the first page's last action two months on, before the housing
    # system follows next: the list reads on from where that action stood, so the rest
    # all come, and the moved action comes again, at its new day.
    monkeypatch.setattr(paging, "PAGE_SIZE", 4)
    first = call(demo_hub, housing, "GET", "/api/v1/actions").get_json()
    rest = _open_actions(demo_session, housing)[paging.PAGE_SIZE :]
    last = first["actions"][-1]
    assert first["next"] == f"/api/v1/actions?after={last['due_on'] or 'undated'},{last['id']}"
    moved = demo_session.get(Action, last["id"])
    assert moved.due_on is not None, "the demo's first page of actions has due days"
    moved.due_on += timedelta(days=60)
    demo_session.commit()
    seen: list[int] = []
    path: str | None = first["next"]
    while path:
        page = call(demo_hub, housing, "GET", path).get_json()
        seen += [a["id"] for a in page["actions"]]
        path = page["next"]
    assert sorted(seen) == sorted([*rest, moved.id]), "none skipped, only the moved one again"

    for wrong in ("x", "0", "484", "2026-02-30,484", "undated,", "20261208,484"):
        refused = call(demo_hub, housing, "GET", f"/api/v1/actions?after={wrong}")
        assert refused.status_code == 400, wrong
        assert fields_named(refused) == ["after"]


def _open_actions(session: Session, registered: api_clients.Registered) -> list[int]:
    """The open actions the API lists for the system's agency, in its order (on a
    partner's case locked since, too, as one on a case now restricted)."""
    owner = session.get(User, registered.client.user_id)
    return list(
        session.scalars(
            select(Action.id)
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.owner_agency_id == owner.agency_id,
                Action.status == ActionStatus.OPEN,
                or_(Case.locked.is_(False), Case.agency_id != owner.agency_id),
                Case.erased_at.is_(None),
            )
            .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        )
    )


def test_a_share_ended_while_the_shared_cases_are_read_page_by_page_moves_no_other(
    demo_hub: Flask,
    demo_session: Session,
    police: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A police system reads the cases shared with it; meanwhile a landlord ends one of
    # the shares its first page listed. The shares after that page must all still come.
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)
    reader = Actor.of(demo_session.get(User, police.client.user_id))
    live = share_lists.shared_with(demo_session, reader)
    assert len(live) > 2 * paging.PAGE_SIZE, "the demo shares enough with the police"
    first = call(demo_hub, police, "GET", "/api/v1/cases/shared").get_json()
    listed = [(c["case_id"], c["purpose"]) for c in first["cases"]]
    assert listed == [(r.case_id, r.purpose) for r in live[: paging.PAGE_SIZE]]
    ended = demo_session.get(Share, live[0].id)
    share_ending.revoke_share(demo_session, Actor.of(ended.created_by), ended.id)
    demo_session.commit()
    path: str | None = first["next"]
    assert path == f"/api/v1/cases/shared?after={live[paging.PAGE_SIZE - 1].id}"
    while path:
        page = call(demo_hub, police, "GET", path).get_json()
        listed += [(c["case_id"], c["purpose"]) for c in page["cases"]]
        path = page["next"]
    assert listed == [(r.case_id, r.purpose) for r in live], "none skipped, none twice"

    other = demo_session.scalar(select(Share.id).where(Share.agency_id != reader.agency_id))
    for wrong in ("x", "0", str(other)):
        refused = call(demo_hub, police, "GET", f"/api/v1/cases/shared?after={wrong}")
        assert refused.status_code == 400
        assert fields_named(refused) == ["after"]


def test_someone_elses_action_is_not_found(
    demo_hub: Flask, demo_session: Session, police: api_clients.Registered
) -> None:
    other = demo_session.scalar(
        select(Action.id).where(
            Action.owner_agency.has(code="larkmoor-ha"), Action.status == ActionStatus.OPEN
        )
    )
    answer = call(
        demo_hub,
        police,
        "POST",
        f"/api/v1/actions/{other}/outcome",
        json={"outcome": "done", "note": "x"},
    )
    assert answer.status_code == 404


def test_shared_risk_lists_what_the_agency_may_see(
    demo_hub: Flask,
    demo_session: Session,
    police: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 10)
    people: list[dict[str, Any]] = []
    path: str | None = "/api/v1/risk/shared"
    while path:
        page = call(demo_hub, police, "GET", path).get_json()
        assert len(page["people"]) <= 10
        people += page["people"]
        entry = demo_session.scalar(
            select(AuditEntry)
            .where(
                AuditEntry.action == "shared.list",
                AuditEntry.actor_user_id == police.client.user_id,
            )
            .order_by(AuditEntry.seq.desc())
        )
        assert listings.listed(entry.basis, "cases") == {p["case_id"] for p in page["people"]}
        path = page["next"]
    assert len(people) == page["total"] > 10, "the demo shares risk assessments with the police"
    ranks = {"low": 0, "medium": 1, "high": 2}
    assert [ranks[p["band"]] for p in people] == sorted(
        (ranks[p["band"]] for p in people), reverse=True
    )
    for person in people:
        assert "risk" in person["basis"]
        if "identity" not in person["basis"]:
            assert person["name"] is None
        assert person["assessments"][0]["band"] == person["band"]


# -- a file of cases --------------------------------------------------------------------


def test_a_file_of_cases_goes_through_the_import(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    police: api_clients.Registered,
) -> None:
    reference = f"FILE-{uuid.uuid4().hex[:8]}"
    good = f"{reference},2026-01-05,noise,amber,low_level,Music,2026-01-04 23:00,Music at night"
    csv = (
        "reference,opened_on,category,priority,triage,summary,incident_at,incident_description\n"
        f"{good}\nBAD-1,2026-01-05,loud,amber,low_level,Music,2026-01-04 23:00,x\n"
    ).encode()
    path = "/api/v1/cases/import"

    dry = call(demo_hub, housing, "POST", path + "?dry_run=true", data=csv, content_type="text/csv")
    assert dry.status_code == 200, dry.get_data(as_text=True)
    report = dry.get_json()
    assert (report["dry_run"], report["rows"], report["opened"], report["rejected"]) == (
        True,
        2,
        1,
        1,
    )
    assert report["problems"] == [
        {"line": 3, "column": "category", "reason": report["problems"][0]["reason"]}
    ]

    done = call(demo_hub, housing, "POST", path, data=csv, content_type="text/csv").get_json()
    assert (done["dry_run"], done["opened"]) == (False, 1)
    demo_session.expire_all()
    assert (
        demo_session.scalar(select(func.count()).where(Case.external_reference == reference)) == 1
    )

    officer = call(demo_hub, police, "POST", path, data=csv, content_type="text/csv")
    assert officer.status_code == 403
    not_csv = call(demo_hub, housing, "POST", path, json={"rows": []})
    assert not_csv.status_code == 415
    broken = call(demo_hub, housing, "POST", path, data=b"\xff\xfe", content_type="text/csv")
    assert broken.status_code == 422
    assert broken.get_json()["errors"][0]["line"] == 1


def test_a_file_imported_through_the_api_is_reviewed_as_the_partnership_asks(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = replace(demo_hub.config["HUB_SETTINGS"], review_days_amber=10)
    monkeypatch.setitem(demo_hub.config, "HUB_SETTINGS", settings)
    reference = f"FILE-{uuid.uuid4().hex[:8]}"
    opened = clock.today() - timedelta(days=2)
    csv = (
        "reference,opened_on,category,priority,triage,summary,incident_at,incident_description\n"
        f"{reference},{opened},noise,amber,low_level,Music,{opened} 09:00,Music at night\n"
    ).encode()

    done = call(
        demo_hub, housing, "POST", "/api/v1/cases/import", data=csv, content_type="text/csv"
    )

    assert done.get_json()["opened"] == 1, done.get_data(as_text=True)
    demo_session.expire_all()
    case = demo_session.scalar(select(Case).where(Case.external_reference == reference))
    assert case.review_due_on == opened + timedelta(days=10)


IMPORT_HEADING = (
    "reference,opened_on,category,priority,triage,summary,incident_at,incident_description\n"
)


def file_of_rows_too_long(size: int) -> bytes:
    """A file of cases of about ``size`` bytes whose every row is refused at once (its
    summary is longer than a cell may be), so that reading it is quick."""
    row = f"BIG-{{}},2026-01-05,noise,amber,low_level,{'m' * 6_000},2026-01-04 23:00,x\n"
    rows = [row.format(n) for n in range(size // len(row) + 1)]
    return (IMPORT_HEADING + "".join(rows)).encode()


def test_a_file_of_cases_larger_than_a_form_goes_through_the_import(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    csv = file_of_rows_too_long(2 * 1024 * 1024)  # over 1 MB, under the import's 5 MB
    answer = call(
        demo_hub,
        housing,
        "POST",
        "/api/v1/cases/import?dry_run=true",
        data=csv,
        content_type="text/csv",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    report = answer.get_json()
    assert report["rows"] == report["rejected"] == csv.count(b"\n") - 1


@pytest.mark.parametrize(
    ("path", "content_type", "size", "limit"),
    [
        ("/api/v1/cases/import", "text/csv", 6 * 1024 * 1024, "5 MB"),
        ("/api/v1/cases", "application/json", 2 * 1024 * 1024, "1 MB"),
        ("/api/v1/actions/1/outcome", "application/json", 2 * 1024 * 1024, "1 MB"),
    ],
)
def test_a_body_over_the_limit_is_refused_as_problem_details_naming_the_limit(
    demo_hub: Flask,
    housing: api_clients.Registered,
    path: str,
    content_type: str,
    size: int,
    limit: str,
) -> None:
    answer = call(
        demo_hub,
        housing,
        "POST",
        path,
        data=b" " * size,
        content_type=content_type,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    assert limit in answer.get_json()["detail"]


def test_cases_opened_one_after_another_go_into_the_audit_log_at_once(
    demo_hub: Flask,
    demo_session: Session,
    housing: api_clients.Registered,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = demo_hub.test_client()
    headers = bearer_for(client, housing)  # one token: nothing else commits in between
    answers = [
        client.post(
            "/api/v1/cases",
            json=new_case(),
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            base_url=HTTPS,
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [201, 201]
    assert "audit entries left queued" not in caplog.text
    demo_session.expire_all()
    assert log.waiting(demo_session).count == 0
    opened = demo_session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "case.open")
    ).all()
    assert {str(a.get_json()["case_id"]) for a in answers} <= set(opened)
