"""The partner API's calls. Every call but the token request, the OpenAPI document and its
reference page needs a valid access token, checked before the view runs (``hub.api.oauth``);
each view names the scope it needs and acts as the account of its agency the client acts
as, through the same decisions, reveals and audit entries as the hub's pages. Locked cases,
and cases the agency may not know of, are "not found". Errors are problem details
(RFC 9457); every request and answer body is described by ``hub.api.schemas``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
)
from marshmallow import Schema

from hub.api import bodies, oauth, paging, schemas
from hub.api import openapi as openapi_document
from hub.api.problems import FieldProblem, Problem, problem
from hub.config import review_days
from hub.database import db
from hub.guard import for_api_clients
from hub.risk.views import matrices
from sharing import api_clients, clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import agency_actions, incidents, pages, shares
from sharing.errors import InputError, NotAllowed, NotFound, PurposeRequired
from sharing.imports import cases as imports
from sharing.imports.case_rows import FileRejected
from sharing.models.api import ApiClient
from sharing.risk import shared

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for_api_clients(bp)  # a token, not a session: checked for every view but the token's

#: The longest purpose a case may be read for.
MAX_PURPOSE = 200
#: Endpoints reached without an access token.
TOKENLESS = frozenset({"api.token", "api.openapi", "api.reference"})


@bp.before_request
def _require_token() -> Response | None:
    """Every view but the tokenless ones needs a valid access token."""
    if request.endpoint in TOKENLESS:
        return None
    try:
        oauth.bearer_token()  # kept as g.api_token for the request
    except oauth.Unauthenticated as e:
        return problem(
            401, "Not authenticated", e.detail, headers={"WWW-Authenticate": e.challenge}
        )
    if request.url_rule is not None:
        known = openapi_document.query_parameters(
            current_app, request.url_rule.rule, request.method
        )
        unknown = sorted(set(request.args) - known)
        if unknown:
            return problem(
                400,
                "Unknown parameter",
                "The call takes " + (", ".join(sorted(known)) or "no query parameters"),
                errors=[FieldProblem(name, "is not a parameter of this call") for name in unknown],
            )
    return None


@bp.errorhandler(Problem)
def _problem(e: Problem) -> Response:
    return e.response()


@bp.errorhandler(NotFound)
def _not_found(_e: NotFound) -> Response:
    return problem(404, "Not found", "There is no such record, or your agency may not see it")


@bp.errorhandler(PurposeRequired)
def _purpose_required(e: PurposeRequired) -> Response:
    return problem(
        400,
        "Purpose required",
        "Your agency may read this case for more than one purpose: say which with ?purpose=",
        purposes=e.purposes,
    )


@bp.errorhandler(NotAllowed)
def _not_allowed(e: NotAllowed) -> Response:
    return problem(403, "Not allowed", f"Your agency's account may not do this: {e}")


@bp.errorhandler(InputError)
def _input_error(e: InputError) -> Response:
    return problem(
        422,
        "Invalid request",
        "The request has a problem",
        errors=[FieldProblem(e.field, e.message)],
    )


def scoped(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view needs the token to carry ``scope`` (403 problem otherwise)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if scope not in g.api_token.scopes.split():
                return problem(
                    403,
                    "Not allowed",
                    f"This call needs the scope {scope}, which the access token does not carry",
                    headers={
                        "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'
                    },
                )
            return view(*args, **kwargs)

        checked.scope = scope  # type: ignore[attr-defined]  # for the OpenAPI document
        return checked

    return decorate


def _client() -> ApiClient:
    client: ApiClient = g.api_token.client
    return client


def actor() -> Actor:
    """The account of its agency the calling system acts as."""
    return Actor.of(_client().user)


def _json(schema: Schema, value: Any, status: int = 200, **headers: str) -> Response:
    response = jsonify(schema.dump(value))
    response.status_code = status
    response.headers.update(headers)
    return response


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- OAuth2 -----------------------------------------------------------------------------


@bp.route("/token", methods=["POST"])
def token() -> Response:
    """Get an access token: OAuth2 client credentials (RFC 6749 §4.4), the client's id and
    secret by HTTP Basic authentication; ``scope`` optional (default: all the client's).
    ---
    post:
      tags: [Access]
      security: [{clientCredentials: []}]
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [grant_type]
              properties:
                grant_type: {type: string, enum: [client_credentials]}
                scope: {type: string}
      responses:
        200: {description: A token, content: {application/json: {schema: TokenSchema}}}
        400:
          description: Not a client credentials request, or a scope the client lacks
          content: {application/json: {schema: OAuthErrorSchema}}
        401:
          description: Unknown client or wrong secret
          content: {application/json: {schema: OAuthErrorSchema}}
    """
    return oauth.token_response()


@bp.route("/openapi.json")
def openapi() -> Response:
    """This API's OpenAPI 3.1 document."""
    return jsonify(openapi_document.of(current_app))


@bp.route("/reference")
def reference() -> str:
    """This API's reference page, from its OpenAPI document."""
    document = openapi_document.of(current_app)
    return render_template("api/reference.html", reference=openapi_document.reference(document))


# -- cases ------------------------------------------------------------------------------


@bp.route("/cases/shared")
@scoped("cases:read")
def shared_cases() -> Response:
    """The cases shared with your agency that its account may open, newest first, a page
    at a time: follow ``next`` until it is null.
    ---
    get:
      tags: [Cases]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
      responses:
        200: {description: The cases, content: {application/json: {schema: SharedCasesSchema}}}
        400: {description: The page is not a whole number from 1 to 100000}
    """
    who = actor()
    found = shares.shared_page(db(), who, paging.page_asked(), size=paging.PAGE_SIZE)
    listed = [
        {
            "case_id": r.case_id,
            "reference": r.case_reference,
            "owner_agency": r.owner_agency,
            "purpose": r.purpose,
            "protocol": r.protocol,
            "protocol_version": r.protocol_version,
            "shared_until": r.until,
            "shared_at": _utc(r.shared_at),
        }
        for r in found.rows
    ]
    return _json(schemas.SharedCasesSchema(), {"cases": listed, **paging.place(found)})


@bp.route("/cases/<int:case_id>")
@scoped("cases:read")
def read_case(case_id: int) -> Response:
    """A case as your agency may see it: your own agency's, or a partner's shared with
    yours (say the purpose when it is shared for more than one). A field of a category
    your agency may not see is null; ``basis`` names what allows each category it may.
    ---
    get:
      tags: [Cases]
      parameters:
        - {name: case_id, in: path, required: true, schema: {type: integer}}
        - name: purpose
          in: query
          schema: {type: string, maxLength: 200}
          description: the purpose of the share to read it under
      responses:
        200: {description: The case, content: {application/json: {schema: CaseSchema}}}
        400: {description: "Say the purpose (or the purpose is too long)"}
        404: {description: "No such case, or your agency may not know of it"}
    """
    purpose = request.args.get("purpose") or None
    if purpose and len(purpose) > MAX_PURPOSE:
        raise Problem(400, "Invalid purpose", f"A purpose is up to {MAX_PURPOSE} characters")
    view = pages.disclose_case(db(), actor(), case_id, purpose)
    return _json(schemas.CaseSchema(), _case_out(view))


def _case_out(view: pages.CaseView) -> dict[str, Any]:
    return {
        "id": view.id,
        "reference": view.reference,
        "external_reference": view.external_reference,
        "agency": view.agency,
        "officer": view.officer,
        "category": view.category.value,
        "priority": view.priority.value,
        "triage": view.triage,
        "status": view.status.value,
        "hate_motivated": view.hate_motivated,
        "protected_characteristic": view.protected_characteristic,
        "opened_at": _utc(view.opened_at),
        "closed_at": _utc(view.closed_at) if view.closed_at else None,
        "ward": view.ward,
        "address": view.address,
        "postcode": view.postcode,
        "uprn": view.uprn,
        "summary": view.summary,
        "basis": dict(view.decision.categories),
        "people": [
            {
                "person_id": p.person_id,
                "role": p.role,
                "erased": p.erased,
                "name": p.name,
                "date_of_birth": p.date_of_birth,
                "phone": p.phone,
                "email": p.email,
                "address": p.address,
                "postcode": p.postcode,
                "support_needs": p.support_needs,
            }
            for p in view.parties
        ],
        "incidents": [
            {
                "id": i.id,
                "occurred_at": _utc(i.occurred_at),
                "recorded_at": _utc(i.recorded_at),
                "reported_on": i.reported_on,
                "received_by": i.received_by,
                "reported_to_police": i.reported_to_police,
                "hate_related": i.hate_related,
                "place": i.place,
                "description": i.description,
                "crime_reference": i.crime_reference,
            }
            for i in view.incidents
        ],
        "actions": [
            {
                "id": a.id,
                "kind": a.kind,
                "status": a.status,
                "owner_agency": a.owner_agency,
                "due_on": a.due_on,
                "overdue": a.overdue,
                "description": a.description,
            }
            for a in view.actions
        ],
    }


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
        409: {description: A case of your agency already has this reference}
        422: {description: "The case has problems, each named by its field"}
    """
    body = bodies.loaded(schemas.NewCaseSchema())

    def opening() -> Response:
        try:
            opened = imports.open_case_from(
                db(),
                actor(),
                _row_of(body),
                now=clock.now(),
                review_days=review_days(current_app.config["HUB_SETTINGS"]),
                occurred_at=body["incident"]["occurred_at"],
            )
        except imports.RowRejected as e:
            raise Problem(
                422,
                "Invalid case",
                "The case has problems: each is named by its field",
                errors=[FieldProblem(_field_of(p.column), p.reason) for p in e.problems],
            ) from None
        except imports.ImportedBefore as e:
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
                row[_PEOPLE[name] + field] = _cell(given)
        elif name == "incident":
            # For the row's checks (its day); the incident keeps the instant itself.
            occurred = value["occurred_at"].astimezone(clock.PARTNERSHIP_ZONE)
            row["incident_at"] = occurred.strftime("%Y-%m-%d %H:%M")
            row["incident_description"] = value["description"]
            row["incident_place"] = value.get("place", "")
            row["incident_reported_on"] = _cell(value.get("reported_on"))
        else:
            row[name] = _cell(value)
    return row


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _field_of(column: str) -> str:
    """The API's name of an import column (victim_phone → victim.phone)."""
    for api, column_of in _INCIDENT.items():
        if column == column_of:
            return f"incident.{api}"
    for name, prefix in _PEOPLE.items():
        if column.startswith(prefix):
            return f"{name}.{column.removeprefix(prefix)}"
    return column


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


@bp.route("/cases/import", methods=["POST"])
@scoped("cases:write")
def import_cases() -> Response:
    """Import a file of your agency's cases: the CSV the hub's import page takes, as the
    body (``text/csv``). With ``dry_run=true`` nothing is opened: the answer says what
    would be. Every row is opened or none is; rejected rows are reported by line and
    column. Your agency's account must be a manager's.
    ---
    post:
      tags: [Cases]
      parameters:
        - {name: dry_run, in: query, schema: {type: boolean, default: false}}
      requestBody:
        required: true
        content: {text/csv: {schema: {type: string}}}
      responses:
        200: {description: What was imported, content: {application/json: {schema: ImportReportSchema}}}
        403: {description: Your agency's account is not a manager's}
        422: {description: The file cannot be read as cases}
    """
    if request.mimetype != "text/csv":
        raise Problem(
            415, "Unsupported media type", "Send the file as the body: Content-Type: text/csv"
        )
    dry_run = request.args.get("dry_run", "false").lower()
    if dry_run not in ("true", "false"):
        raise Problem(400, "Invalid request", "dry_run is true or false")
    try:
        result = imports.import_cases(db(), actor(), request.stream, dry_run=dry_run == "true")
    except FileRejected as e:
        raise Problem(
            422,
            "File rejected",
            "The file cannot be read as cases",
            errors=[FieldProblem(e.problem.column, e.problem.reason, line=e.problem.line)],
        ) from None
    report = {
        "dry_run": result.dry_run,
        "rows": result.report.rows,
        "opened": result.opened,
        "rejected": result.rejected,
        "already_imported": result.already_imported,
        "people_matched": result.people_matched,
        "problems": result.report.problems,
        "problems_not_kept": result.report.problems_not_kept,
    }
    return _json(schemas.ImportReportSchema(), report)


# -- actions ----------------------------------------------------------------------------


@bp.route("/actions")
@scoped("actions")
def actions() -> Response:
    """The open actions your agency owns, on its own cases and partners', soonest due
    first, a page at a time (follow ``next`` until it is null); what each is, when the
    case's decision lets your agency see it.
    ---
    get:
      tags: [Actions]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
      responses:
        200: {description: The actions, content: {application/json: {schema: AgencyActionsSchema}}}
        400: {description: The page is not a whole number from 1 to 100000}
    """
    found = agency_actions.actions_for_agency(
        db(), actor(), paging.page_asked(), size=paging.PAGE_SIZE
    )
    listed = [
        {
            "id": a.id,
            "kind": a.kind,
            "due_on": a.due_on,
            "overdue": a.overdue,
            "case_agency": a.case_agency,
            "case_officer": a.case_officer,
            "case_id": a.case_id,
            "case_reference": a.case_reference,
            "purpose": a.purpose,
            "description": a.description,
            "basis": a.basis,
            "may_complete": a.may_close,
        }
        for a in found.rows
    ]
    return _json(schemas.AgencyActionsSchema(), {"actions": listed, **paging.place(found)})


@bp.route("/actions/<int:action_id>/outcome", methods=["POST"])
@scoped("actions")
def close_action(action_id: int) -> Response:
    """Close an action. Mark it done (``note`` says what was done) or cancelled (``note``
    says why): an action your agency owns, or one on your agency's own case.
    ---
    post:
      tags: [Actions]
      parameters:
        - {name: action_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content: {application/json: {schema: ActionOutcomeSchema}}
      responses:
        200: {description: The action's new status, content: {application/json: {schema: ActionClosedSchema}}}
        404: {description: "No such action, or your agency may not close it"}
        422: {description: "Already closed, or the note is missing"}
    """
    body = bodies.loaded(schemas.ActionOutcomeSchema())
    closed = agency_actions.close_action(
        db(), actor(), action_id, done=body["outcome"] == "done", note=body["note"]
    )
    return _json(schemas.ActionClosedSchema(), {"id": closed.id, "status": closed.status.value})


# -- risk -------------------------------------------------------------------------------


@bp.route("/risk/shared")
@scoped("risk:read")
def shared_risk() -> Response:
    """Victims and witnesses whose risk assessments are shared with your agency, highest
    risk first, a page at a time (follow ``next`` until it is null): band, score and
    trend, their name only when identity is shared too.
    ---
    get:
      tags: [Risk]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
      responses:
        200: {description: The people, content: {application/json: {schema: SharedRisksSchema}}}
        400: {description: The page is not a whole number from 1 to 100000}
    """
    found = shared.shared_risk(
        db(), actor(), matrices(), clock.today(), paging.page_asked(), size=paging.PAGE_SIZE
    )
    listed = [
        {
            "case_id": r.case_id,
            "case_reference": r.case_reference,
            "priority": r.priority.value,
            "purpose": r.share.purpose,
            "role": r.person.role,
            "name": r.person.name,
            "band": r.person.latest.band.value,
            "score": r.person.latest.score,
            "trend": r.person.trend,
            "assessments": [
                {
                    "assessed_at": _utc(a.assessed_at),
                    "stage": a.stage,
                    "score": a.score,
                    "band": a.band.value,
                    "adjusted": a.adjusted,
                }
                for a in r.person.history
            ],
            "basis": r.categories,
        }
        for r in found.rows
    ]
    return _json(schemas.SharedRisksSchema(), {"people": listed, **paging.place(found)})


# -- idempotency ------------------------------------------------------------------------


def _idempotent(operation: str, act: Callable[[], Response]) -> Response:
    """Answer a request that creates something once per ``Idempotency-Key``: a retry
    of it (same key, same body) gets the first answer and creates nothing; the key sent
    with another request is refused."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        raise Problem(
            400,
            "Idempotency key required",
            "Send an Idempotency-Key header: a new random value (e.g. a UUID) for each new "
            "request, the same one when you send a request again",
        )
    if len(key) > api_clients.MAX_IDEMPOTENCY_KEY or not key.isprintable() or not key.isascii():
        raise Problem(
            400,
            "Invalid idempotency key",
            f"The Idempotency-Key is up to {api_clients.MAX_IDEMPOTENCY_KEY} printable ASCII characters",
        )
    digest = api_clients.fingerprint(operation, bodies.canonical())
    try:
        claimed = api_clients.claim(db(), _client(), key, operation, digest)
    except api_clients.KeyReused:
        raise Problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key came with a different request before: use a new key for a new request",
        ) from None
    if isinstance(claimed, api_clients.Answer):
        response = Response(claimed.body, status=claimed.status, mimetype="application/json")
        if claimed.location:
            response.headers["Location"] = claimed.location
        response.headers["Idempotent-Replayed"] = "true"
        return response
    response = act()  # a refusal raises: its answer is not kept, and the claim is rolled back
    api_clients.answered(
        db(),
        claimed,
        api_clients.Answer(
            response.status_code, response.get_data(as_text=True), response.location
        ),
    )
    return response
