"""The partner API's OpenAPI 3.1 document, generated with apispec from the API's own
views and schemas: each view's docstring gives its summary, description and operation
(in YAML after ``---``), each ``scoped`` view its scope, and the marshmallow schemas in
``hub.api.schemas`` the bodies. Served at ``/api/v1/openapi.json`` and shown as a
reference page at ``/api/v1/reference``."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask
from marshmallow import Schema

from hub.api import request_schemas, schemas
from sharing import api_clients

TITLE = "Partnership hub: partner API"
INTRODUCTION = (
    "For partner agencies' own systems (housing management, police records): read the "
    "cases shared with your agency as your agency may see them, open your agency's cases "
    "and record incidents, work your agency's actions and read shared risk assessments. "
    "Every call acts as one account of your agency and is recorded in the hub's audit log, "
    "as a page of the hub is. Get a client from the hub's operator (`hub api clients add`), "
    "exchange its id and secret for a token at `/api/v1/token` (it lasts ten minutes), then "
    "send `Authorization: Bearer <token>` with each call. Errors are problem details "
    "(RFC 9457)."
)
#: Problems any call with a token may meet.
_COMMON = {
    401: "No valid access token",
    403: "The token lacks the scope, or your agency's account may not do this",
    429: "Too many calls: wait for the number of seconds in Retry-After",
}
#: Problems any call with a body may meet.
_WITH_BODY = {
    400: "The body is not valid JSON, or the Idempotency-Key is missing or not valid",
    415: "The body is not of the media type the call takes",
    413: "The body is over 1 MB, the most a request can carry",
    422: "The request has problems, each named by its field",
}
_PATH_PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _schema_classes() -> list[type[Schema]]:
    """The schemas of what the API takes and gives (``Strict``, their base, is none)."""
    return [
        cls
        for module in (request_schemas, schemas)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Schema)
        and cls.__module__ == module.__name__
        and cls is not request_schemas.Strict
    ]


def document(app: Flask) -> dict[str, Any]:
    """The API's OpenAPI document, from the views ``app`` serves under ``api.``."""
    spec = APISpec(
        title=TITLE,
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": INTRODUCTION},
    )
    for cls in _schema_classes():  # those nested in others are in by then
        name = cls.__name__.removesuffix("Schema")
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=cls)
    spec.components.security_scheme(
        "partner",
        {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {"tokenUrl": "/api/v1/token", "scopes": api_clients.SCOPES}
            },
        },
    )
    spec.components.security_scheme("clientCredentials", {"type": "http", "scheme": "basic"})
    spec.components.parameter(
        "IdempotencyKey",
        "header",
        {
            "name": "Idempotency-Key",
            "required": True,
            "description": "a new random value (a UUID) for each new request; the same one "
            "when the request is sent again. Remembered for 24 hours.",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": api_clients.MAX_IDEMPOTENCY_KEY,
                "pattern": "^[ -~]+$",  # printable ASCII
            },
        },
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api.") or rule.endpoint in (
            "api.openapi",
            "api.reference",
        ):
            continue
        view = app.view_functions[rule.endpoint]
        operations = load_operations_from_docstring(view.__doc__ or "")
        described = _one_line((view.__doc__ or "").partition("---")[0]).replace("``", "`")
        for operation in operations.values():
            operation.setdefault("summary", _first_sentence(described))
            operation.setdefault("description", described)
            operation["operationId"] = rule.endpoint.removeprefix("api.")
            scope = getattr(view, "scope", None)
            if scope:
                operation["security"] = [{"partner": [scope]}]
                for status, description in _COMMON.items():
                    operation["responses"].setdefault(status, {"description": description})
                if "requestBody" in operation:
                    for status, description in _WITH_BODY.items():
                        operation["responses"].setdefault(status, {"description": description})
            for response in operation["responses"].values():
                if "content" not in response:
                    response["content"] = {"application/problem+json": {"schema": "ProblemSchema"}}
        spec.path(path=_PATH_PARAMETER.sub(r"{\1}", rule.rule), operations=operations)
    return spec.to_dict()


def of(app: Flask) -> dict[str, Any]:
    """The document for ``app``, made once."""
    if "hub.api.openapi" not in app.extensions:
        app.extensions["hub.api.openapi"] = document(app)
    made: dict[str, Any] = app.extensions["hub.api.openapi"]
    return made


def query_parameters(app: Flask, rule: str, method: str) -> set[str]:
    """The query parameters the document gives the call (the rule's path, the method)."""
    operation = of(app)["paths"].get(_PATH_PARAMETER.sub(r"{\1}", rule), {}).get(method.lower(), {})
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    scope: str | None
    parameters: list[Field]
    body: str | None
    responses: list[tuple[str, str, str | None]]


@dataclass(frozen=True)
class Reference:
    """The document as the reference page shows it."""

    title: str
    introduction: str
    scopes: dict[str, str]
    operations: list[Operation]
    #: Each schema's name and fields.
    schemas: list[tuple[str, list[Field]]] = field(default_factory=list)


def reference(document: dict[str, Any]) -> Reference:
    """What the reference page shows of ``document``."""
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation["summary"],
                    description=operation["description"],
                    scope=_scope(operation),
                    parameters=[_parameter(p, document) for p in operation.get("parameters", [])],
                    body=_body(operation.get("requestBody")),
                    responses=[
                        (str(status), answer["description"], _body(answer))
                        for status, answer in operation["responses"].items()
                    ],
                )
            )
    components = document["components"]
    return Reference(
        title=document["info"]["title"],
        introduction=document["info"]["description"],
        scopes=components["securitySchemes"]["partner"]["flows"]["clientCredentials"]["scopes"],
        operations=operations,
        schemas=[(name, _fields(schema)) for name, schema in sorted(components["schemas"].items())],
    )


def _parameter(parameter: dict[str, Any], document: dict[str, Any]) -> Field:
    if "$ref" in parameter:
        parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    where = {"path": "in the path", "query": "in the query", "header": "a header"}[parameter["in"]]
    return Field(
        parameter["name"],
        _type(parameter.get("schema", {})),
        parameter.get("required", False),
        f"{where}: {parameter.get('description', '')}".rstrip(": "),
    )


def _body(part: dict[str, Any] | None) -> str | None:
    """ "Case (application/json)": what a request or answer body is."""
    if not part or "content" not in part:
        return None
    media, content = next(iter(part["content"].items()))
    schema = content.get("schema", {})
    name = schema["$ref"].rsplit("/", 1)[1] if "$ref" in schema else _type(schema)
    return f"{name} ({media})"


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(name, _type(prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    kinds = schema.get("type", "object")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    named = []
    for kind in kinds:
        if kind == "array":
            named.append(f"list of {_type(schema.get('items', {}))}")
        elif kind == "null":
            named.append("null")
        else:
            named.append(schema.get("format", kind))
    if "enum" in schema:
        named = ["one of " + ", ".join(str(v) for v in schema["enum"] if v is not None)]
        if "null" in kinds:
            named.append("null")
    return " or ".join(named)


def _scope(operation: dict[str, Any]) -> str | None:
    """The scope an operation needs (None: the token request's client credentials)."""
    for requirement in operation.get("security", []):
        for scopes in requirement.values():
            return str(scopes[0]) if scopes else None
    return None


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.:])\s", text, maxsplit=1)[0].rstrip(".:")


def _one_line(text: str) -> str:
    return " ".join(text.split())
