"""The partner API's JSON request bodies: read, parsed and checked against a call's
schema, or refused with a problem (415 not JSON, 400 not parseable, 422 bad fields)."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from hub.api.problems import FieldProblem, Problem


def parsed() -> Any:
    """The request's body as JSON; a 415 problem for another type, a 400 for a body that
    does not parse (nested deeper than the parser goes included)."""
    if not request.is_json:
        raise Problem(
            415, "Unsupported media type", "Send a JSON body: Content-Type: application/json"
        )
    try:
        return json.loads(request.get_data())
    except (ValueError, RecursionError):
        raise Problem(400, "Invalid JSON", "The body is not valid JSON") from None


def loaded(schema: Schema) -> dict[str, Any]:
    """The request's JSON body, checked against ``schema``; a 4xx problem otherwise."""
    body = parsed()
    try:
        checked: dict[str, Any] = schema.load(body)
    except ValidationError as e:
        raise Problem(
            422,
            "Invalid request",
            "The request has problems: each is named by its field",
            errors=FieldProblem.all_of(e.messages),
        ) from None
    return checked
