"""The partner API's rate limits, with Flask-Limiter: each client's calls counted
against ``api_rate_limit`` and its requests for a token against the stricter
``api_token_rate_limit``, in the store ``api_rate_limit_storage`` names (shared by all
the hub's processes when it is Redis or memcached). Past the limit a call is answered 429
with ``Retry-After``, as problem details. If the store cannot be reached, each process
counts on its own until it can (the API stays up)."""

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
from hub.config import Settings
from hub.database import db


def _settings() -> Settings:
    settings: Settings = current_app.config["HUB_SETTINGS"]
    return settings


def _limit() -> str:
    if request.endpoint == "api.token":
        return _settings().api_token_rate_limit
    return _settings().api_rate_limit


def _caller() -> str:
    """Whose calls these are: the client asking for a token (by the id it gives), the
    client whose token the call carries, or else the address it came from."""
    if request.endpoint == "api.token":
        credentials = request.authorization
        client_id = (credentials.username if credentials else None) or request.form.get("client_id")
        return f"token:{client_id}" if client_id else f"token-address:{get_remote_address()}"
    try:
        return f"client:{oauth.bearer_token().client.client_id}"
    except oauth.Unauthenticated:
        return f"address:{get_remote_address()}"
    except SQLAlchemyError:  # the database is down or busy: the view says so, not the limiter
        db().rollback()
        return f"address:{get_remote_address()}"


def _too_many(limit: RequestLimit) -> Response:
    wait = max(1, math.ceil(limit.reset_at - time.time()))  # the store's clock: the real one
    return problem(
        429,
        "Too many requests",
        f"This client may make {limit.limit} calls: try again in {wait} seconds",
        headers={"Retry-After": str(wait)},
    )


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
    limiter.limit(_limit)(bp)
    return limiter
