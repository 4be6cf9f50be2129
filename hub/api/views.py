"""The partner API: partner systems get an access token with their client credentials
(OAuth2, Authlib's authorization server) and call the API with it (Authlib's resource
protector). Every call but the token request needs a valid token, checked before the
view runs; each view names the scope it needs. Errors are problem details (RFC 9457)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from marshmallow import Schema, fields

from hub.database import db
from hub.guard import for_api_clients
from sharing import api_clients, clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases import shares
from sharing.models.api import ApiClient, ApiToken

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for_api_clients(bp)  # a token, not a session: checked for every view but the token's

#: Endpoints reached without an access token.
TOKENLESS = frozenset({"api.token"})
PROBLEM = "application/problem+json"


class _Client(ClientMixin):  # type: ignore[misc]
    """An API client as Authlib's authorization server sees it."""

    def __init__(self, record: ApiClient) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = self.record.scopes.split()
        if not scope:
            return " ".join(allowed)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        if api_clients.check_secret(self.record, client_secret):
            return True
        api_clients.refused_token(db(), self.record)
        db().commit()
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _Token(TokenMixin):  # type: ignore[misc]
    def __init__(self, record: ApiToken) -> None:
        self.record = record

    def get_scope(self) -> str:
        return self.record.scopes

    def get_expires_in(self) -> int:
        return int((self.record.expires_at - self.record.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.record.expires_at <= clock.now()

    def is_revoked(self) -> bool:
        return not api_clients.usable(self.record.client)

    def check_client(self, client: _Client) -> bool:
        return client.record.id == self.record.client_pk


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def authenticate_token(self, token_string: str) -> _Token | None:
        record = api_clients.valid_token(db(), token_string)
        return _Token(record) if record is not None else None


def _query_client(client_id: str) -> _Client | None:
    record = api_clients.find(db(), client_id)
    if record is None:
        api_clients.refused_token(db(), None)
        db().commit()
    return _Client(record) if record is not None else None


def _save_token(token: dict[str, Any], oauth_request: Any) -> None:
    client: _Client = oauth_request.client
    api_clients.record_token(db(), client.record, token["access_token"], token.get("scope", ""))
    db().commit()


def init_api(app: Flask) -> None:
    """Set up the token endpoint and the token check on ``app``."""
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {"client_credentials": int(api_clients.TOKEN_LIFETIME.total_seconds())},
    )
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(grants.ClientCredentialsGrant)
    protector = ResourceProtector()
    protector.register_token_validator(_Validator())
    app.extensions["hub.api"] = (server, protector)


def problem(status: int, title: str, detail: str, **headers: str) -> Response:
    """A problem details response (RFC 9457)."""
    response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": detail})
    response.status_code = status
    response.mimetype = PROBLEM
    response.headers.update(headers)
    return response


@bp.before_request
def _require_token() -> Response | None:
    """Every view but the token request needs a valid access token."""
    if request.endpoint in TOKENLESS:
        return None
    _, protector = _server_and_protector()
    try:
        token: _Token = protector.validate_request(scopes=None, request=FlaskJsonRequest(request))
    except OAuth2Error as e:
        detail = (
            "Send a valid access token: Authorization: Bearer <token>"
            if e.error != "invalid_token"
            else "The access token is unknown, expired or revoked: get a new one"
        )
        challenge = dict(e.get_headers()).get("WWW-Authenticate", "Bearer")
        return problem(401, "Not authenticated", detail, **{"WWW-Authenticate": challenge})
    g.api_token = token.record
    return None


def _server_and_protector() -> tuple[AuthorizationServer, ResourceProtector]:
    pair: tuple[AuthorizationServer, ResourceProtector] = current_app.extensions["hub.api"]
    return pair


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
                    **{"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
                )
            return view(*args, **kwargs)

        return checked

    return decorate


def actor() -> Actor:
    """The account of its agency the calling system acts as."""
    client: ApiClient = g.api_token.client
    return Actor.of(client.user)


@bp.route("/token", methods=["POST"])
def token() -> Response:
    """OAuth2 token endpoint: client credentials only."""
    server, _ = _server_and_protector()
    response: Response = server.create_token_response()
    return response


class SharedCaseSchema(Schema):
    case_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    owner_agency = fields.String(required=True)
    purpose = fields.String(required=True)
    protocol = fields.String(required=True)
    protocol_version = fields.Integer(required=True)
    shared_until = fields.Date(required=True)
    shared_at = fields.DateTime(required=True)


@bp.route("/cases/shared")
@scoped("cases:read")
def shared_cases() -> Response:
    """The cases shared with the calling agency that its account may open, newest first."""
    who = actor()
    rows = shares.shared_with(db(), who)
    acts.record(
        db(),
        acts.Action.CASES_SHARED_LIST,
        actor=who,
        subject=acts.Subject("agency", who.agency_id),
        basis=f"api: {len(rows)} cases",
    )
    db().commit()
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
        for r in rows
    ]
    return jsonify({"cases": SharedCaseSchema(many=True).dump(listed)})


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
