"""The cookie that marks a browser as having signed in to an account before
(``sharing.known_browsers``): given at each whole sign-in, signed with the hub's secret
key, HttpOnly, SameSite=Lax, Secure in production, sent only to the sign-in pages, kept
for 90 days. It names the account by its number (never its address) with a random value
the browser's own failures are counted by."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from hub.settings import Settings
from sharing import known_browsers
from sharing.known_browsers import KnownBrowser
from sharing.models import User

COOKIE = "hub_known_browser"
KEPT_FOR = timedelta(days=90)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=COOKIE)


def _key(nonce: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"browser:{nonce}".encode(), hashlib.sha256).hexdigest()


def this_browser() -> KnownBrowser | None:
    """What this browser's cookie says, if it has a good one (signed by the hub, not
    expired); None for anything else, which is then treated as any browser."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        said = _serializer().loads(value, max_age=int(KEPT_FOR.total_seconds()))
    except BadData:
        return None
    if not isinstance(said, dict):
        return None
    user, token, nonce = said.get("user"), said.get("token"), said.get("nonce")
    if not (isinstance(user, int) and isinstance(token, str) and isinstance(nonce, str)):
        return None
    return KnownBrowser(user_id=user, token=token, key=_key(nonce))


def remember(response: Response, user: User) -> Response:
    """Give the browser a new cookie for ``user``'s account (a new random value each
    sign-in, so its failures are counted afresh)."""
    settings: Settings = current_app.config["HUB_SETTINGS"]
    said = {
        "user": user.id,
        "token": known_browsers.token_for(user),
        "nonce": secrets.token_urlsafe(16),
    }
    response.set_cookie(
        COOKIE,
        _serializer().dumps(said),
        max_age=int(KEPT_FOR.total_seconds()),
        path="/sign-in",
        secure=settings.production,
        httponly=True,
        samesite="Lax",
    )
    return response
