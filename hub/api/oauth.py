"""OAuth2 for the partner API, with Authlib: partner systems exchange their client
credentials for a short-lived access token (the authorization server), and every call
carries that token (the resource protector). The records behind both are in
``sharing.api_clients``; these classes are how Authlib sees them."""

from __future__ import annotations

import json
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.authenticate_client import authenticate_client_secret_basic
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import Flask, Response, current_app, g, request

from hub.database import db
from sharing import api_clients, clock
from sharing.models.api import ApiClient, ApiToken


class _Client(ClientMixin):  # type: ignore[misc]
    """An API client as Authlib's authorization server sees it."""

    def __init__(self, record: ApiClient) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scope of the token to issue: all the client's when the request has no
        ``scope`` parameter (Authlib passes None), else what it names; None (Authlib then
        refuses the request ``invalid_scope``) when it names a scope the client lacks, or
        gives the parameter without naming any: RFC 6749 §3.3 makes a scope one or more
        scope tokens, so ``scope=`` is malformed, not a request for every scope."""
        allowed = self.record.scopes.split()
        if scope is None:
            return " ".join(allowed)
        asked = list(dict.fromkeys(scope.split()))
        if not asked or not set(asked) <= set(allowed):
            return None
        return " ".join(asked)

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


def _basic_credentials(query_client: Any, oauth_request: Any) -> _Client | None:
    """Authlib's ``client_secret_basic``, with credentials that are not UTF-8 (which it
    fails to decode) taken as no client's: the token request is refused invalid_client."""
    try:
        client: _Client | None = authenticate_client_secret_basic(query_client, oauth_request)
    except UnicodeDecodeError:
        return None
    return client


def init_oauth(app: Flask) -> None:
    """Set up the token endpoint's server and the token check on ``app``."""
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {"client_credentials": int(api_clients.TOKEN_LIFETIME.total_seconds())},
    )
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_client_auth_method("client_secret_basic", _basic_credentials)
    server.register_grant(grants.ClientCredentialsGrant)
    protector = ResourceProtector()
    protector.register_token_validator(_Validator())
    app.extensions["hub.api"] = (server, protector)


def _server_and_protector() -> tuple[AuthorizationServer, ResourceProtector]:
    pair: tuple[AuthorizationServer, ResourceProtector] = current_app.extensions["hub.api"]
    return pair


#: What a token request sent otherwise than RFC 6749 §4.4 asks (as JSON, without its grant,
#: with the secret in the form) is told, where OAuth2's error alone says nothing of it.
AS_A_FORM = (
    "Send grant_type=client_credentials as a form (Content-Type: "
    "application/x-www-form-urlencoded), with the client id and secret by HTTP Basic "
    "authentication (Authorization: Basic)"
)
#: What a token request sent as RFC 6749 §4.4 asks, but with a client id or secret that
#: is wrong, or a client revoked, is told: the same for each, so nothing says which
#: client ids exist.
NOT_RIGHT = (
    "The client id or secret is not right, or the client has been revoked: check them, or "
    "ask the hub's operator for new ones"
)
#: Authlib's description of credentials sent in a way the client may not use.
_OTHER_METHOD = "cannot authenticate with methods"


def token_response() -> Response:
    """The token endpoint's answer to the request (client credentials only); a request
    sent otherwise is told how to send it."""
    server, _ = _server_and_protector()
    response: Response = server.create_token_response()
    refused = response.get_json(silent=True) if response.status_code in (400, 401) else None
    if not isinstance(refused, dict):
        return response
    error, said = refused.get("error"), refused.get("error_description", "")
    if error == "invalid_client" and _sent_as_asked():
        response.set_data(json.dumps({**refused, "error_description": NOT_RIGHT}))
    elif error == "unsupported_grant_type" or _OTHER_METHOD in said:
        response.set_data(json.dumps({**refused, "error_description": AS_A_FORM}))
    return response


def _sent_as_asked() -> bool:
    """Whether the token request is sent as RFC 6749 §4.4 asks: the grant in a form, the
    client id and secret by HTTP Basic authentication and not in the form."""
    credentials = request.authorization
    return (
        request.form.get("grant_type") == "client_credentials"
        and "client_secret" not in request.form
        and credentials is not None
        and credentials.type == "basic"
        and bool(credentials.username)
        and bool(credentials.password)
    )


class Unauthenticated(Exception):
    """The request carries no valid access token."""

    def __init__(self, detail: str, challenge: str) -> None:
        super().__init__(detail)
        self.detail, self.challenge = detail, challenge


def bearer_token() -> ApiToken:
    """The record of the request's valid access token (checked once a request);
    ``Unauthenticated`` otherwise."""
    if "api_token" in g:
        token_record: ApiToken = g.api_token
        return token_record
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
        raise Unauthenticated(detail, challenge) from None
    g.api_token = token.record
    return token.record
