"""Recording an incident on one of the agency's open cases, and reading one incident of a
case as the agency may see it."""

from __future__ import annotations

from flask import Response

from hub.api import bodies, schemas
from hub.api.case_reading import incident_out, purpose_asked
from hub.api.problems import Problem
from hub.api.views import _idempotent, _json, actor, bp, scoped
from hub.database import db
from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.cases import disclosure, incidents
from sharing.errors import InputError


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
          description: "The incident was recorded: Location is where to read it"
          headers: {Location: {schema: {type: string}}}
          content: {application/json: {schema: IncidentRecordedSchema}}
        403: {description: Your agency's account may not record on this case}
        404: {description: "No such case, or your agency may not know of it"}
        409: {description: "Your agency's case is closed (or erased), before or as the incident came: nothing more is recorded on it"}
        422: {description: "The incident has problems, each named by its field"}
    """
    body = bodies.loaded(schemas.NewIncidentSchema())

    def recording() -> Response:
        authorised = authorise(db(), actor(), case_id, Act.RECORD)
        try:
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
        except InputError as e:
            if e.field != incidents.CASE_FIELD:
                raise
            # Closed (or erased, which closes it) as this waited for it: as a case closed
            # or erased before, a conflict with the case as it now is, titled the same.
            erased = authorised.case.erased_at is not None
            raise Problem(409, "Case erased" if erased else "Case closed", e.message) from None
        answer = {"case_id": case_id, "incident_id": incident.id}
        location = f"{bp.url_prefix}/cases/{case_id}/incidents/{incident.id}"
        return _json(schemas.IncidentRecordedSchema(), answer, 201, Location=location)

    return _idempotent(f"POST /api/v1/cases/{case_id}/incidents", recording)


@bp.route("/cases/<int:case_id>/incidents/<int:incident_id>")
@scoped("cases:read")
def read_incident(case_id: int, incident_id: int) -> Response:
    """One incident of a case as your agency may see it, as the case's ``incidents`` give
    it: the same rules as reading the case (a partner's case is always read for a purpose:
    ``?purpose=``, one of the purposes it is shared with your agency for). A field of a
    category your agency may not see is null; ``basis`` names what allows each category
    it may.
    ---
    get:
      tags: [Cases]
      parameters:
        - {name: case_id, in: path, required: true, schema: {type: integer}}
        - {name: incident_id, in: path, required: true, schema: {type: integer}}
        - name: purpose
          in: query
          schema: {type: string, maxLength: 200}
          description: "the purpose of the share to read it under: always given for a partner's case"
      responses:
        200: {description: The incident, content: {application/json: {schema: CaseIncidentSchema}}}
        400: {description: "Say the purpose, for a partner's case, or the case is not shared with your agency for the purpose said (or it is too long): purposes lists those it is shared with your agency for"}
        403: {description: "The case is shared with your agency for that purpose but nothing gives it you now (the protocol is suspended, or gives your account's roles nothing)"}
        404: {description: "No such case or incident of it, or your agency may not know of the case"}
    """
    shown = disclosure.disclose_incident(db(), actor(), case_id, incident_id, purpose_asked())
    answer = {
        **incident_out(shown.incident, case_erased=shown.erased),
        "case_id": case_id,
        "erased": shown.erased,
        "basis": dict(shown.decision.categories),
    }
    return _json(schemas.CaseIncidentSchema(), answer)
