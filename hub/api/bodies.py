"""The partner API's JSON request bodies: read, parsed and checked against a call's
schema, or refused with a problem (415 not JSON, 400 not parseable, 422 bad fields).

JSON can carry what no text can (RFC 8259 §8.2): a lone UTF-16 surrogate written as
``"\\ud800"`` parses into a Python string that cannot be encoded as UTF-8, so it could
not be sealed or stored. A body holding one is refused here, naming the field, before any
call's schema or casework sees it."""

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


def canonical() -> bytes:
    """The request's body as an idempotency key's request is compared by: a JSON body
    written one way (keys sorted, no spaces), so that the same object sent again written
    otherwise is the same request; any other body as sent."""
    if not request.is_json:
        return request.get_data()
    return json.dumps(parsed(), sort_keys=True, separators=(",", ":")).encode()


def loaded(schema: Schema) -> dict[str, Any]:
    """The request's JSON body, checked against ``schema``; a 4xx problem otherwise."""
    body = parsed()
    not_text = [FieldProblem(field, reason) for field, reason in _not_text(body)]
    if not_text:
        raise _invalid(not_text)
    try:
        checked: dict[str, Any] = schema.load(body)
    except ValidationError as e:
        raise _invalid(FieldProblem.all_of(e.messages)) from None
    return checked


def _invalid(errors: list[FieldProblem]) -> Problem:
    """The 422 problem of a body with bad fields, each named."""
    return Problem(
        422,
        "Invalid request",
        "The request has problems: each is named by its field",
        errors=errors,
    )


def _not_text(body: Any) -> list[tuple[str, str]]:
    """Each field of ``body`` (``victim.family_name``; ``body`` for the whole) whose value,
    or a name in it, is not valid text (a lone surrogate), with the reason. Walked without
    recursion: the parser takes bodies nested deeper than Python's own calls go."""
    found: list[tuple[str, str]] = []
    waiting: list[tuple[str, Any]] = [("", body)]
    while waiting:
        where, value = waiting.pop()
        if isinstance(value, dict):
            for name, inner in value.items():
                if not _is_text(name):
                    found.append((where or "body", "has a field whose name is not valid text"))
                    continue
                waiting.append((f"{where}.{name}" if where else name, inner))
        elif isinstance(value, list):
            waiting.extend((f"{where}.{i}" if where else "body", v) for i, v in enumerate(value))
        elif isinstance(value, str) and not _is_text(value):
            found.append((where or "body", "is not valid text"))
    return sorted(set(found))


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
