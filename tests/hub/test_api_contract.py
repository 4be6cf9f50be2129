"""The partner API against its own OpenAPI document, with schemathesis: requests
generated from the document to every operation, those the document allows and those it
does not, by a housing system holding every scope, and every answer checked against the
document. No server errors, no answer the document does not describe, every request the
document does not allow refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sharing import api_clients
from sharing.models import Action, Case, Incident
from sharing.vocabulary import Role
from tests.fixtures.api import bearer_for, register
from tests.sampling import examples

#: schemathesis's check that every request the schema allows is accepted: the hub also
#: refuses, with a 422 naming the field, what a schema cannot say (an incident in the
#: future, a spreadsheet formula, an action already done, a reference already used).
RULES_BEYOND_THE_SCHEMA = schemathesis.checks.positive_data_acceptance
#: Requests generated per operation (all of them in an exhaustive run, as on CI).
EXAMPLES = examples(full=150, sample=50)
generated: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(demo_hub: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_hub)


@pytest.fixture(scope="module")
def housing(demo_hub: Flask) -> Iterator[api_clients.Registered]:
    """A housing system with every scope, acting as a manager (who may import too)."""
    with demo_hub.extensions["hub.sessions"]() as session:
        yield register(session, "northshire-homes", Role.MANAGER, name="Housing management")


def known_ids(app: Flask) -> dict[str, list[int]]:
    with app.extensions["hub.sessions"]() as session:
        return {
            "case_id": list(session.scalars(select(Case.id).order_by(Case.id))),
            "action_id": list(session.scalars(select(Action.id).order_by(Action.id))),
            "incident_id": list(session.scalars(select(Incident.id).order_by(Incident.id))),
        }


@pytest.fixture(scope="module")
def headers(demo_hub: Flask, housing: api_clients.Registered) -> dict[str, str]:
    return bearer_for(demo_hub.test_client(), housing)


#: Every call the document describes (the last test checks it is every call the API serves).
OPERATIONS = [
    "POST /api/v1/token",
    "GET /api/v1/cases/shared",
    "GET /api/v1/cases/{case_id}",
    "POST /api/v1/cases",
    "POST /api/v1/cases/{case_id}/incidents",
    "GET /api/v1/cases/{case_id}/incidents/{incident_id}",
    "POST /api/v1/cases/import",
    "GET /api/v1/actions",
    "POST /api/v1/actions/{action_id}/outcome",
    "GET /api/v1/risk/shared",
]


#: Calls that take nothing cannot be sent anything the document does not allow (every
#: list now takes its page).
TAKE_NOTHING: set[str] = set()


@pytest.mark.parametrize(
    ("label", "mode"),
    [
        (label, mode)
        for label in OPERATIONS
        for mode in schemathesis.GenerationMode
        if mode is schemathesis.GenerationMode.POSITIVE or label not in TAKE_NOTHING
    ],
)
def test_every_answer_keeps_to_the_document(
    api_schema: schemathesis.BaseSchema,
    headers: dict[str, str],
    label: str,
    mode: schemathesis.GenerationMode,
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    ids = known_ids(api_schema.app)

    @given(case=operation.as_strategy(mode), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def each(case: schemathesis.Case, data: st.DataObject) -> None:
        # ids of real records (own, shared, other agencies', locked) as often as random ones
        for name in ("case_id", "action_id", "incident_id"):
            if mode is not schemathesis.GenerationMode.POSITIVE:
                break  # the id is what may have been made invalid
            if name in (case.path_parameters or {}) and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(ids[name]))
        generated[f"{label} {mode.value}"] += 1
        case.call_and_validate(headers=headers, excluded_checks=[RULES_BEYOND_THE_SCHEMA])

    each()
    assert generated[f"{label} {mode.value}"] > 0


def test_the_document_describes_every_call_the_api_serves(demo_hub: Flask) -> None:
    document = (
        demo_hub.test_client().get("/api/v1/openapi.json", base_url="https://hub.test").get_json()
    )
    assert {f"{m.upper()} {p}" for p, ms in document["paths"].items() for m in ms} == set(
        OPERATIONS
    )
    served = {
        (method.lower(), rule.rule)
        for rule in demo_hub.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.openapi", "api.reference")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {
        (method, path.replace("{", "<int:").replace("}", ">") if "{" in path else path)
        for path, methods in document["paths"].items()
        for method in methods
    }
    assert served == described
    assert document["openapi"] == "3.1.0"


def test_a_body_over_the_limit_is_an_answer_the_document_describes(
    demo_hub: Flask, housing: api_clients.Registered
) -> None:
    client = demo_hub.test_client()
    document = client.get("/api/v1/openapi.json", base_url="https://hub.test").get_json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], f"{method.upper()} {path}"
    headers = {**bearer_for(client, housing), "Content-Type": "text/csv"}
    answer = client.post(
        "/api/v1/cases/import",
        data=b"x" * (6 * 1024 * 1024),
        headers=headers,
        base_url="https://hub.test",
    )
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    described = document["paths"]["/api/v1/cases/import"]["post"]["responses"]["413"]
    assert "5 MB" in described["description"]


def test_the_reference_page_shows_every_call_and_body_without_a_token(demo_hub: Flask) -> None:
    page = demo_hub.test_client().get("/api/v1/reference", base_url="https://hub.test")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for label in OPERATIONS:
        assert f"<code>{label}</code>" in text, label
    for scope in api_clients.SCOPES:
        assert f"<code>{scope}</code>" in text
    assert 'id="schema-NewCase"' in text
    assert "Idempotency-Key" in text
    assert 'href="/api/v1/openapi.json"' in text
