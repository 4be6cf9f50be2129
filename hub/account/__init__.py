"""The user's own account: details, roles and their second factor."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.auth.forms import CodeForm
from hub.auth.views import qr_data_uri
from hub.database import db
from sharing import accounts

bp = Blueprint("account", __name__, url_prefix="/account")


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
    form = CodeForm()
    if form.validate_on_submit():
        if accounts.enrol_second_factor(db(), user, secret, form.code.data or ""):
            session.pop("new_totp_secret", None)
            flash(
                "Your authenticator app is set up. You will need a code from it each time you sign in.",
                "success",
            )
            return redirect(url_for("account.account"))
        form.code.errors = [
            "The security code is not correct. Check the time on your phone is right and enter the newest code"
        ]
        form.code.data = ""
    return render_template(
        "auth/set_up_code.html",
        form=form,
        title="Set up your authenticator app",
        secret=secret,
        qr=qr_data_uri(accounts.totp_uri(user, secret)),
        required=False,
    )
