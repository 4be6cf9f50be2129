"""The partner API's blueprint and what its calls share. Every call but the token request,
the OpenAPI document and its reference page needs a valid access token, checked before the
view runs (``hub.api.oauth``); each view names the scope it needs (``scoped``) and acts as
the account of its agency the client acts as (``actor``), through the same decisions,
reveals and audit entries as the hub's pages. Locked cases, and cases the agency may not
know of, are "not found". Errors are problem details (RFC 9457); every request and answer
body is described by ``hub.api.schemas``. A call that creates something answers once per
``Idempotency-Key``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import Schema

from hub.api import bodies, oauth
from hub.api import openapi as openapi_document
from hub.api.problems import FieldProblem, Problem, problem
from hub.database import db
from hub.guard import for_api_clients
from sharing import api_clients
from sharing.access.decide import PURPOSE_TO_CHOOSE, Actor
from sharing.audit import acts
from sharing.errors import (
    CaseNotOpen,
    InputError,
    NotAllowed,
    NotFound,
    PurposeNotShared,
    PurposeRequired,
)
from sharing.models.api import ApiClient

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for_api_clients(bp)  # a token, not a session: checked for every view but the token's

#: The header that makes a create answer once (named so in a problem's ``errors``).
IDEMPOTENCY_KEY = "Idempotency-Key"
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
    if e.asked:
        # A page asks a partner which purpose and records nothing; a call has no question
        # to answer, so a call without one is a refused read, recorded as such.
        acts.refuse(
            db(),
            acts.Action.CASE_VIEW,
            actor=actor(),
            subject=acts.Subject("case", e.case_id),
            reason=PURPOSE_TO_CHOOSE,
        )
    return problem(
        400,
        "Purpose required",
        "A partner's case is always read for a purpose: say which with ?purpose= (one of purposes)",
        errors=[FieldProblem("purpose", "is required for a partner's case")],
        purposes=e.purposes,
    )


@bp.errorhandler(PurposeNotShared)
def _purpose_not_shared(e: PurposeNotShared) -> Response:
    # Bad input, as a missing purpose is; the purpose sent is not named back (it could be
    # any text). A purpose shared but refused for another reason stays a 403.
    return problem(
        400,
        "Invalid purpose",
        "The case is not shared with your agency for that purpose: say one of purposes "
        "with ?purpose=",
        errors=[FieldProblem("purpose", "is not a purpose the case is shared with you for")],
        purposes=e.purposes,
    )


@bp.errorhandler(CaseNotOpen)
def _case_not_open(e: CaseNotOpen) -> Response:
    # A conflict with the case as it is now: the client may write to it while it is open.
    return problem(
        409,
        "Case erased" if e.erased else "Case closed",
        f"{str(e).capitalize()}: nothing more is recorded on it",
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
                # A denial is an entry, as a page refused for its roles is (never the address).
                acts.refuse(
                    db(),
                    acts.Action.PAGE_REFUSED,
                    actor=actor(),
                    subject=acts.Subject("page", "api"),
                    reason=f"{request.endpoint} needs the scope {scope}, which the token lacks",
                )
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


def _idempotent(operation: str, act: Callable[[], Response]) -> Response:
    """Answer a request that creates something once per ``Idempotency-Key``: a retry
    of it (same key, same body) gets the first answer and creates nothing; the key sent
    with another request is refused."""
    key = request.headers.get(IDEMPOTENCY_KEY, "")
    if not key:
        raise Problem(
            400,
            "Idempotency key required",
            "Send an Idempotency-Key header: a new random value (e.g. a UUID) for each new "
            "request, the same one when you send a request again",
            errors=[FieldProblem(IDEMPOTENCY_KEY, "is required for a request that creates")],
        )
    if len(key) > api_clients.MAX_IDEMPOTENCY_KEY or not key.isprintable() or not key.isascii():
        raise Problem(
            400,
            "Invalid idempotency key",
            f"The Idempotency-Key is up to {api_clients.MAX_IDEMPOTENCY_KEY} printable ASCII characters",
            errors=[
                FieldProblem(
                    IDEMPOTENCY_KEY,
                    f"is not up to {api_clients.MAX_IDEMPOTENCY_KEY} printable ASCII characters",
                )
            ],
        )
    digest = api_clients.fingerprint(operation, bodies.canonical())
    try:
        claimed = api_clients.claim(db(), _client(), key, operation, digest)
    except api_clients.KeyReused:
        raise Problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key came with a different request before: use a new key for a new request",
            errors=[FieldProblem(IDEMPOTENCY_KEY, "came with a different request before")],
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
