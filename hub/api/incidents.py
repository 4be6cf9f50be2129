"""Recording an incident on one of the agency's open cases."""

from __future__ import annotations

from flask import Response

from hub.api import bodies, schemas
from hub.api.views import _idempotent, _json, actor, bp, scoped
from hub.database import db
from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.cases import incidents


@bp.route("/cases/<int:case_id>/incidents", methods=["POST"])
@scoped("cases:write")
def add_incident(case_id: int) -> Response:
    """Record an incident on one of your agency's open cases. Send an ``Idempotency-Key``:
    the same request sent again with it records nothing more.
    ---
    post:
      tags: [Cases]
      parameters:
        - {name: case_id, in: path, required: true, schema: {type: integer}}
        - IdempotencyKey
      requestBody:
        required: true
        content: {application/json: {schema: NewIncidentSchema}}
      responses:
        201:
          description: The incident was recorded
          content: {application/json: {schema: IncidentRecordedSchema}}
        403: {description: Your agency's account may not record on this case}
        404: {description: "No such case, or your agency may not know of it"}
        422: {description: "The incident has problems, each named by its field"}
    """
    body = bodies.loaded(schemas.NewIncidentSchema())

    def recording() -> Response:
        authorised = authorise(db(), actor(), case_id, Act.RECORD)
        incident = incidents.add_incident(
            db(),
            authorised,
            incidents.IncidentInput(
                occurred_at=body["occurred_at"],
                description=body["description"],
                place=body.get("place", ""),
                reported_on=body.get("reported_on"),
                reported_to_police=body["reported_to_police"],
                crime_reference=body.get("crime_reference", ""),
                hate_related=body["hate_related"],
            ),
        )
        answer = {"case_id": case_id, "incident_id": incident.id}
        return _json(schemas.IncidentRecordedSchema(), answer, 201)

    return _idempotent(f"POST /api/v1/cases/{case_id}/incidents", recording)
