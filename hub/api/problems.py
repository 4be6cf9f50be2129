"""The partner API's errors as problem details (RFC 9457): a JSON object saying what was
wrong (``title``, ``detail``) and, for a request with bad fields, each field and why. Never
a value sent, never a stack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flask import Response, jsonify

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str
    line: int | None = None

    @classmethod
    def all_of(cls, messages: Any, where: str = "") -> list[FieldProblem]:
        """marshmallow's nested error messages, one problem per field (``victim.phone``);
        a problem with the body as a whole is named ``body``, one with an object inside it
        by the object's own name (``reported``, ``victim.other_names.0``)."""
        if isinstance(messages, Mapping):
            found: list[FieldProblem] = []
            for name, inner in messages.items():
                if name == "_schema":
                    found += cls.all_of(inner, where)
                else:
                    found += cls.all_of(inner, f"{where}.{name}" if where else str(name))
            return found
        if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            return [cls(where or "body", " ".join(messages))]
        if isinstance(messages, list):
            return [p for m in messages for p in cls.all_of(m, where)]
        return [cls(where or "body", str(messages))]

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> Response:
    """A problem details response, with the fields' problems and any other ``members``
    (e.g. ``case_id``) in its body, and ``headers`` (e.g. ``WWW-Authenticate``)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body |= {"detail": detail, **members}
    if errors:
        body["errors"] = [e.as_json() for e in errors]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    response.headers.update(headers or {})
    return response


class Problem(Exception):
    """Raised by a view to answer with a problem (the request then changes nothing)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        **members: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.members = errors, members

    def response(self) -> Response:
        return problem(self.status, self.title, self.detail, errors=self.errors, **self.members)
