"""Opening one of the agency's cases with its first incident: one row of the import's CSV,
sent as JSON."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from hub.api import bodies, schemas
from hub.api.problems import FieldProblem, Problem
from hub.api.views import _idempotent, _json, actor, bp, scoped
from hub.database import db
from hub.settings import review_days
from sharing import clock
from sharing.imports import case_opening
from sharing.imports.matching import Linked


@bp.route("/cases", methods=["POST"])
@scoped("cases:write")
def open_case() -> Response:
    """Open one of your agency's cases with its first incident: one row of the import's
    CSV, as JSON. People your agency already holds (same family name and date of birth)
    are linked, not recorded again. Send an ``Idempotency-Key``: the same request sent
    again with it (a retry) gets the first answer and opens nothing more.
    ---
    post:
      tags: [Cases]
      parameters: [IdempotencyKey]
      requestBody:
        required: true
        content: {application/json: {schema: NewCaseSchema}}
      responses:
        201:
          description: The case was opened
          headers: {Location: {schema: {type: string}}}
          content: {application/json: {schema: CaseOpenedSchema}}
        409: {description: "The reference is already used in your agency's records (case_id names the case when you may open it)"}
        422: {description: "The case has problems, each named by its field"}
    """
    body = bodies.loaded(schemas.NewCaseSchema())

    def opening() -> Response:
        try:
            opened = case_opening.open_case_from(
                db(),
                actor(),
                _row_of(body),
                now=clock.now(),
                review_days=review_days(current_app.config["HUB_SETTINGS"]),
                first_contact_days=current_app.config["HUB_SETTINGS"].first_contact_working_days,
                occurred_at=body["incident"]["occurred_at"],
                other_names=_other_names_of(body),
            )
        except case_opening.RowRejected as e:
            raise Problem(
                422,
                "Invalid case",
                "The case has problems: each is named by its field",
                errors=[
                    FieldProblem(_field_of(p.column), _reason_of(p.reason)) for p in e.problems
                ],
            ) from None
        except case_opening.ImportedBefore as e:
            if e.case_id is None:  # a case the account may not know of: not named
                raise Problem(
                    409,
                    "Already opened",
                    "This reference is already used in your agency's records",
                ) from None
            raise Problem(
                409,
                "Already opened",
                "A case of your agency already has this reference",
                case_id=e.case_id,
            ) from None
        answer = {
            "case_id": opened.case.id,
            "reference": opened.case.reference,
            "external_reference": opened.case.external_reference,
            "incident_id": opened.incident.id,
            "people_matched": opened.people_matched,
            "people": [linked_person(linked) for linked in opened.people],
        }
        location = f"{bp.url_prefix}/cases/{opened.case.id}"
        return _json(schemas.CaseOpenedSchema(), answer, 201, Location=location)

    return _idempotent("POST /api/v1/cases", opening)


#: The API's nested fields, as the import's CSV columns.
_PEOPLE = {"victim": "victim_", "reported": "reported_"}
_INCIDENT = {
    "occurred_at": "incident_at",
    "description": "incident_description",
    "place": "incident_place",
    "reported_on": "incident_reported_on",
}


def _row_of(body: dict[str, Any]) -> dict[str, str]:
    """A case sent as JSON, as the import's row of CSV columns."""
    row: dict[str, str] = {}
    for name, value in body.items():
        if name in _PEOPLE:
            for field, given in value.items():
                if field != "other_names":  # a list, each name whole: _other_names_of
                    row[_PEOPLE[name] + field] = _cell(given)
        elif name == "incident":
            # For the row's checks (its day); the incident keeps the instant itself. BST or
            # GMT says which it is of a time the clocks show twice, as a file's row would.
            occurred = value["occurred_at"].astimezone(clock.PARTNERSHIP_ZONE)
            row["incident_at"] = occurred.strftime("%Y-%m-%d %H:%M ") + str(occurred.tzname())
            row["incident_description"] = value["description"]
            row["incident_place"] = value.get("place", "")
            row["incident_reported_on"] = _cell(value.get("reported_on"))
        else:
            row[name] = _cell(value)
    return row


def _other_names_of(body: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The people's other names, each (name, what it is), by the import's column: taken
    whole, where a cell of the file would read a semicolon or brackets as its own."""
    return {
        _PEOPLE[name] + "other_names": [(n["name"], n.get("note", "")) for n in listed]
        for name in _PEOPLE
        if (listed := body.get(name, {}).get("other_names")) is not None
    }


def linked_person(linked: Linked) -> dict[str, Any]:
    """A person linked to one the agency held, as the API says it."""
    return {
        "role": linked.role.value,
        "linked_to_person_id": linked.person_id,
        "not_saved": list(linked.not_saved),
    }


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


#: The import's words for a file's row and its cells, as a JSON body says them.
_CSV_WORDS = {
    "but the row has other details of the victim": "but the victim has other details",
    "but the row has other details of the reported": "but the reported person has other details",
    "hate_motivated is not yes": "hate_motivated is not true",
}


def _reason_of(reason: str) -> str:
    """The import's reason for a problem with a row, as the API says it of its body."""
    for csv, api in _CSV_WORDS.items():
        reason = reason.replace(csv, api)
    return reason


def _field_of(column: str) -> str:
    """The API's name of an import column (victim_phone → victim.phone)."""
    for api, column_of in _INCIDENT.items():
        if column == column_of:
            return f"incident.{api}"
    for name, prefix in _PEOPLE.items():
        if column.startswith(prefix):
            return f"{name}.{column.removeprefix(prefix)}"
    return column
