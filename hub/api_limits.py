"""The partner API's rate limits, with Flask-Limiter: each client's calls counted
against ``api_rate_limit``, in the store ``api_rate_limit_storage`` names (shared by all
the hub's processes when it is Redis or memcached). The token endpoint has two limits of
``api_token_rate_limit`` each: the tokens issued to one client, and the requests refused
from one source (an address, or an IPv6 /64), against guessing secrets. Refusals are
counted by where they come from, never by the client id they claim, so nobody can use
up a partner's allowance without its secret; past its limit a source gets nothing, and
only the first request refused that way in each window is an audit entry. Past a limit
a call is answered 429 with ``Retry-After``, as problem details. If the store cannot be
reached, each process counts on its own until it can (the API stays up)."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError

from hub.api import oauth
from hub.api.problems import problem
from hub.api.views import bp
from hub.database import db
from hub.settings import Settings
from sharing import api_clients
from sharing.sources import source_of


def _settings() -> Settings:
    settings: Settings = current_app.config["HUB_SETTINGS"]
    return settings


def _api_limit() -> str:
    return _settings().api_rate_limit


def _token_limit() -> str:
    return _settings().api_token_rate_limit


def _asks_for_a_token() -> bool:
    return request.endpoint == "api.token"


def _calls_the_api() -> bool:
    return not _asks_for_a_token()


def _source() -> str:
    return source_of(get_remote_address())


def _caller() -> str:
    """Whose calls these are: the client whose token the call carries, or else the source
    it came from."""
    try:
        return f"client:{oauth.bearer_token().client.client_id}"
    except oauth.Unauthenticated:
        return f"address:{_source()}"
    except SQLAlchemyError:  # the database is down or busy: the view says so, not the limiter
        db().rollback()
        return f"address:{_source()}"


def _token_client() -> str:
    """The client asking for a token, by the id it gives (only tokens issued count)."""
    credentials = request.authorization
    client_id = (credentials.username if credentials else None) or request.form.get("client_id")
    return f"token:{client_id}" if client_id else f"token-source:{_source()}"


def _token_source() -> str:
    return f"token-refused:{_source()}"


def _issued(response: Response) -> bool:
    return response.status_code == 200


def _refused(response: Response) -> bool:
    return response.status_code in (400, 401)


def _refused_past_the_limit(limit: RequestLimit) -> None:
    """Record the first token request refused past its source's limit in each window as
    one audit entry (never the address); the rest of that window's are not recorded."""
    once = type(limit.limit)(1, limit.limit.multiples)
    try:
        first = limit.limiter.hit(once, "hub-api", "token-refused-recorded", _source())
    except Exception:  # noqa: BLE001 - the store is down: record it rather than lose it
        first = True
    if first:
        api_clients.refused_too_often(db())
        db().commit()


def _too_many(limit: RequestLimit) -> Response:
    """The 429 problem past a limit: which limit, and when to come back (Retry-After)."""
    wait = max(1, math.ceil(limit.reset_at - time.time()))  # the store's clock: the real one
    if _asks_for_a_token():
        detail = (
            "Too many requests for a token from this client, or refused ones from where this "
            f"request comes from ({limit.limit}): try again in about {wait} seconds "
            "(Retry-After); a token lasts ten minutes, so keep using it until it expires"
        )
    else:
        item = limit.limit
        window = "a minute" if item.get_expiry() == 60 else f"{item.get_expiry()} seconds"
        detail = (
            f"This client may make {item.amount} calls {window} ({item}), all its calls "
            f"together: try again in about {wait} seconds (Retry-After)"
        )
    return problem(429, "Too many requests", detail, headers={"Retry-After": str(wait)})


def init_limits(app: Flask, settings: Settings) -> Limiter:
    """Count the API's calls on ``app`` as its settings say."""
    limiter = Limiter(
        key_func=_caller,
        app=app,
        storage_uri=settings.api_rate_limit_storage,
        strategy="moving-window",
        headers_enabled=True,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix="hub-api",
        on_breach=_too_many,
    )
    # One count for all of a client's calls, whichever endpoint (a plain limit on a
    # blueprint counts each of its routes apart).
    limiter.shared_limit(_api_limit, scope="api-calls", exempt_when=_asks_for_a_token)(bp)
    limiter.limit(
        _token_limit, key_func=_token_client, exempt_when=_calls_the_api, deduct_when=_issued
    )(bp)
    limiter.limit(
        _token_limit,
        key_func=_token_source,
        exempt_when=_calls_the_api,
        deduct_when=_refused,
        on_breach=_refused_past_the_limit,
    )(bp)
    return limiter
