"""The user's own account: details, roles and their second factor."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from hub.account.session_time import seconds_left
from hub.auth.views import set_up_authenticator
from hub.database import db
from hub.guard import for_every_role
from sharing import authenticator_apps, sign_in_sessions
from sharing.vocabulary import SessionEnd

bp = Blueprint("account", __name__, url_prefix="/account")
for_every_role(bp)


@bp.route("")
def account() -> str:
    idle_minutes = current_app.config["HUB_SETTINGS"].session_idle_minutes
    live = sign_in_sessions.live_counts(
        db(), [current_user.id], timedelta(minutes=idle_minutes)
    ).get(current_user.id, 0)
    return render_template(
        "account/account.html",
        title="Your account",
        before=sign_in_sessions.sign_in_before(db(), current_user.session_key),
        live_sessions=live,
        idle_minutes=idle_minutes,
    )


@bp.route("/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere() -> Response:
    """End every session of the signed-in user, this one included."""
    sign_in_sessions.end_all(
        db(), current_user.user, SessionEnd.SIGNED_OUT_EVERYWHERE, by=current_user.actor
    )
    db().commit()
    logout_user()
    session.clear()
    flash("You have signed out on every device and browser.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor() -> Response | str:
    """Set up an authenticator app (optional for roles that do not require one)."""
    user = current_user.user
    if user.has_authenticator:
        flash("Your authenticator app is already set up.", "info")
        return redirect(url_for("account.account"))
    # Kept with this session on the server (never in the cookie) until confirmed.
    secret = sign_in_sessions.set_up_key(
        db(), current_user.session_key, authenticator_apps.new_totp_secret()
    )
    db().commit()

    def done() -> Response:
        sign_in_sessions.set_up_done(db(), current_user.session_key)
        db().commit()
        return redirect(url_for("account.account"))

    return set_up_authenticator(user, secret, required=False, then=done)


@bp.route("/session/time-left")
def time_left() -> Response:
    """How many seconds the session has left, asked by a page before it warns of the idle
    sign-out (another of the user's tabs may have used the session meanwhile). Asking does
    not count as using the hub, and is no act on data: nothing is recorded."""
    return jsonify(seconds_left=seconds_left())


@bp.route("/session/stay-signed-in", methods=["POST"])
def stay_signed_in() -> tuple[str, int]:
    """ "Stay signed in" on the warning: this request counts as using the hub, as any
    page's does (the guard resumed the session); it is no act on data, so nothing is
    recorded, and no page is rendered."""
    return "", 204
