"""The user's own account: details, roles and their second factor."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.auth.views import set_up_authenticator
from hub.guard import for_every_role
from sharing import accounts

bp = Blueprint("account", __name__, url_prefix="/account")
for_every_role(bp)


@bp.route("")
def account() -> str:
    return render_template("account/account.html", title="Your account")


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor() -> Response | str:
    """Set up an authenticator app (optional for roles that do not require one)."""
    user = current_user.user
    if user.totp_secret:
        flash("Your authenticator app is already set up.", "info")
        return redirect(url_for("account.account"))
    secret = session.setdefault("new_totp_secret", accounts.new_totp_secret())

    def done() -> Response:
        session.pop("new_totp_secret", None)
        return redirect(url_for("account.account"))

    return set_up_authenticator(user, secret, required=False, then=done)
