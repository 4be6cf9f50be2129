"""The one place where requests are let in: signed in, not idle, with the right roles.

Every endpoint needs a signed-in user unless it is listed in ``PUBLIC_ENDPOINTS``.
Blueprints declare the roles they serve with ``require_roles`` at registration;
unknown role names are refused when the app starts, not at request time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from hub.database import db
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act
from sharing.errors import NotAllowed, NotFound
from sharing.vocabulary import Role

#: Endpoints anyone may reach: sign-in steps, static files and the health check.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.sign_in",
        "auth.second_factor",
        "auth.set_up_second_factor",
        "health.health",
    }
)


def require_roles(blueprint: Blueprint, *roles: str) -> None:
    """Let only users holding one of ``roles`` into ``blueprint``'s pages (403 otherwise)."""
    allowed = frozenset(Role(r) for r in roles)  # ValueError at start-up for a typo

    @blueprint.before_request
    def _check_roles() -> None:
        if not current_user.has_role(*allowed):
            abort(403)


def check_request(idle_minutes: int) -> Response | None:
    """Before every request: sign-in required, and the idle timeout enforced."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint is None:
        abort(404)
    if not current_user.is_authenticated:
        if session.get("seen"):
            session.clear()
            flash("Your session has expired. Sign in again.", "expired")
        return redirect(url_for("auth.sign_in", next=_local_next()))
    now = datetime.now(UTC).timestamp()
    if now - float(session.get("seen", now)) > idle_minutes * 60:
        logout_user()
        session.clear()
        flash(
            f"You were signed out because you had not used the hub for {idle_minutes} minutes. "
            "Nothing you were submitting was saved. Sign in again.",
            "expired",
        )
        return redirect(url_for("auth.sign_in", next=_local_next()))
    session["seen"] = now
    return None


def _local_next() -> str | None:
    """The page to return to after signing in: GET pages on this site only."""
    if request.method != "GET":
        return None
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.home")


def authorised_case(
    case_id: int, act: Act = Act.VIEW, purpose: str | None = None
) -> AuthorisedCase:
    """The case with the decision that lets the signed-in user do ``act`` to it, decided
    once for the request: 404 when they may not know it exists, 403 when they may not do
    this to it. (A partner with no stated purpose is the case page's to ask.)"""
    try:
        return authorise(db(), current_user.actor, case_id, act, purpose)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
