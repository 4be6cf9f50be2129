"""Setting a password with a one-time link from an e-mail: a new starter's first password,
or a new one after a password reset link. The link's token is moved out of the address
bar at once (kept in the signed browser session, never in an address the hub logs), then
the password is set under the hub's rules and the person goes on as after a password at
sign-in: setting up their authenticator app where their roles need one, or their code
where they have one, then signed in. A browser already signed in (someone else, or the
same person before) is signed out first, its session on the server ended as signing out
ends it, so no session outlives the sign-in that replaced it."""

from __future__ import annotations

from flask import redirect, render_template, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from hub.auth.views import after_first_step, bp
from hub.database import db
from hub.forms import HubForm
from sharing import accounts, password_links, sign_in_sessions
from sharing.errors import InputError, LinkRefused
from sharing.models import User

#: Where the browser session keeps the link's token between its pages.
LINK = "password_link"


class SetPasswordForm(HubForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the new password again")],
    )


@bp.route("/set-password/<token>")
def set_password_link(token: str) -> Response:
    """The link from the e-mail: its token goes into the browser session and out of the
    address bar (and so out of the browser's history and any address logged)."""
    session[LINK] = token[:100]
    return redirect(url_for("auth.set_password"))


@bp.route("/set-password", methods=["GET", "POST"])
def set_password() -> Response | tuple[str, int]:
    token = session.get(LINK, "")
    try:
        link = password_links.opened(db(), token)
    except LinkRefused as refused:
        session.pop(LINK, None)
        return _refused(refused.why)
    form = SetPasswordForm()
    if form.validate_on_submit():
        if form.password.data != form.confirm.data:
            form.confirm.errors = ["The passwords do not match: enter the same password twice"]
        else:
            try:
                user = password_links.use(db(), token, form.password.data or "")
            except InputError as e:
                form.password.errors = [e.message]
            except LinkRefused as refused:
                session.pop(LINK, None)
                return _refused(refused.why)
            else:
                _sign_out_before(user)
                db().commit()
                logout_user()
                return after_first_step(user, next_page=url_for("home.home"))
        form.password.data = form.confirm.data = ""
    status = 400 if form.errors else 200
    new = link.kind == password_links.NEW_ACCOUNT
    page = render_template(
        "auth/set_password.html",
        title="Set your password" if new else "Set a new password",
        form=form,
        email=link.user.email,
        agency=link.user.agency.name,
        shortest=accounts.MIN_PASSWORD_LENGTH,
        signed_in=current_user.is_authenticated,
    )
    return page, status


def _sign_out_before(user: User) -> None:
    """End the session this browser is signed in with, as signing out does (recorded), in
    the act that sets ``user``'s password. Setting it has already ended every session of
    ``user``'s own, this one too if it was theirs."""
    if current_user.is_authenticated and current_user.id != user.id:
        sign_in_sessions.sign_out(db(), current_user.session_key, current_user.actor)


def _refused(why: str) -> tuple[str, int]:
    """The page of a link that cannot be used: which way, and who to ask; nothing of the
    account (410, kept out of the history)."""
    refusal = password_links.Refusal.of(why) or password_links.Refusal.UNKNOWN
    paragraphs = {
        password_links.Refusal.USED: "Each link works once. If you have set your password, sign in with it.",
        password_links.Refusal.EXPIRED: "Each link works for a limited time after it is sent.",
        password_links.Refusal.VOID: (
            "A newer link may have been sent to you (use the newest e-mail), or your account "
            "has changed since."
        ),
        password_links.Refusal.UNKNOWN: "Check you copied the whole link from the e-mail.",
    }[refusal]
    page = render_template(
        "auth/set_password_refused.html",
        title=refusal.label,
        paragraphs=[
            paragraphs,
            "Ask a manager or administrator of your agency to send you a new link from the "
            "People page of the hub.",
        ],
    )
    return page, 410
