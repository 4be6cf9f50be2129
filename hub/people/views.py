"""The agency's people, for its managers and administrators: who holds which roles, who
is signed in where and who is locked out, and the buttons that end a user's sessions,
disable their account or lift its lock-out."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField

from hub.database import db
from hub.forms import ChoicesField, HubForm, TextLimit
from hub.guard import forbid, require_roles
from sharing import accounts, agency_accounts, directory, sign_in_sessions
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import User
from sharing.vocabulary import Role, SessionEnd

bp = Blueprint("people", __name__, url_prefix="/people")
require_roles(bp, "manager", "administrator")


def _idle() -> timedelta:
    return timedelta(minutes=current_app.config["HUB_SETTINGS"].session_idle_minutes)


def _account(user_id: int, action: acts.Action) -> User:
    """A user of the agency, to look after with ``action``; 404 (recorded) for anyone
    else's."""
    try:
        return agency_accounts.agency_account(db(), current_user.actor, user_id, action)
    except NotFound:
        abort(404)


@bp.route("")
def index() -> str:
    users = directory.users_of(db(), [current_user.agency_id])
    live = sign_in_sessions.live_counts(db(), [u.id for u in users], _idle())
    return render_template(
        "people/index.html",
        title=f"People in {current_user.agency.name}",
        users=users,
        live=live,
        locked={u.id: u.locked_until for u in users if accounts.is_locked(u)},
    )


@bp.route("/<int:user_id>/sign-out", methods=["POST"])
def sign_out(user_id: int) -> Response:
    user = _account(user_id, acts.Action.SESSIONS_END)
    ended = sign_in_sessions.end_all(db(), user, SessionEnd.ENDED_BY_MANAGER, by=current_user.actor)
    flash(f"{user.display_name} is signed out everywhere ({ended} sessions ended).", "success")
    return redirect(url_for("people.index"))


@bp.route("/<int:user_id>/disable", methods=["GET", "POST"])
def disable(user_id: int) -> Response | str:
    """Asks first, saying what disabling does; only the answer disables."""
    user = _account(user_id, acts.Action.ACCOUNT_DISABLE)
    try:
        agency_accounts.may_disable(db(), current_user.actor, user)
    except NotAllowed:
        flash("You cannot disable your own account. Ask another manager or administrator.", "error")
        return redirect(url_for("people.index"))
    if request.method == "GET" and user.active:
        return render_template(
            "confirm.html",
            title=f"Disable {user.display_name}'s account",
            caption=f"People in {current_user.agency.name}",
            heading=f"Are you sure you want to disable {user.display_name}'s account?",
            paragraphs=[
                f"{user.display_name} will be signed out on every device and browser at once, "
                "and will not be able to sign in until a manager or administrator of "
                f"{current_user.agency.name} enables the account again.",
            ],
            warning=None,
            button="Yes, disable the account",
            cancel=url_for("people.index"),
        )
    elif request.method == "POST":
        _set_active(user, False)
        flash(
            f"{user.display_name}'s account is disabled and their sessions have ended.", "success"
        )
    return redirect(url_for("people.index"))


@bp.route("/<int:user_id>/enable", methods=["POST"])
def enable(user_id: int) -> Response:
    user = _account(user_id, acts.Action.ACCOUNT_ENABLE)
    _set_active(user, True)
    flash(f"{user.display_name} can sign in again.", "success")
    return redirect(url_for("people.index"))


def _set_active(user: User, active: bool) -> None:
    """Disable or enable ``user``'s account; 403, saying why, if the core refuses (the
    signed-in user's own account was disabled, or their roles changed, meanwhile)."""
    try:
        agency_accounts.set_active(db(), user, active, by=current_user.actor)
    except NotAllowed as refused:
        forbid(refused, f"You cannot {'enable' if active else 'disable'} this account")


@bp.route("/<int:user_id>/unlock", methods=["POST"])
def unlock(user_id: int) -> Response:
    user = _account(user_id, acts.Action.ACCOUNT_UNLOCK)
    if agency_accounts.unlock(db(), user, by=current_user.actor):
        flash(f"{user.display_name} can sign in again.", "success")
    else:
        flash(f"{user.display_name}'s account is not locked.", "info")
    return redirect(url_for("people.index"))


class RolesForm(HubForm):
    roles = ChoicesField("Roles", choices=Role.choices(), message="Select roles from those offered")
    team = StringField("Team (optional)", validators=[TextLimit(accounts.MAX_NAME, "the team")])


@bp.route("/<int:user_id>/roles", methods=["GET", "POST"])
def roles(user_id: int) -> Response | tuple[str, int]:
    """Change someone's roles and team: the agency's administrators only."""
    user = _account(user_id, acts.Action.ACCOUNT_ROLES)
    try:
        agency_accounts.may_change_roles(db(), current_user.actor, user)
    except NotAllowed as refused:
        if user.id == current_user.id:
            abort(make_response(_own_roles_page(), 403))
        forbid(refused, "You cannot change roles")
    if request.method == "GET":
        form = RolesForm(data={"roles": sorted(r.value for r in user.roles), "team": user.team})
    else:
        form = RolesForm()
    if form.validate_on_submit():
        try:
            with acts.refusing_input(
                db(),
                acts.Action.ACCOUNT_ROLES,
                actor=current_user.actor,
                subject=acts.Subject("user", user.id),
            ):
                changed = agency_accounts.change_roles(
                    db(),
                    user,
                    {Role(value) for value in form.roles.data or []},
                    form.team.data,
                    by=current_user.actor,
                )
        except NotAllowed as refused:
            forbid(refused, "You cannot change roles")
        except InputError as e:
            field = form.team if e.field == "team" else form.roles
            field.errors = [*field.errors, e.message]
        else:
            labels = ", ".join(sorted(r.label for r in user.roles))
            if changed:
                flash(
                    f"{user.display_name}’s roles are now {labels}. They are signed out everywhere.",
                    "success",
                )
            return redirect(url_for("people.index"))
    status = 400 if request.method == "POST" else 200
    title = f"Change {user.display_name}’s roles"
    return render_template("people/roles.html", title=title, form=form, user=user), status


def _own_roles_page() -> str:
    return render_template(
        "errors/error.html",
        title="You cannot change your own roles",
        paragraphs=[
            "Ask another administrator of your agency to change them, or the hub's operator "
            "(who runs hub users set-roles).",
            "Nobody changes their own roles in the hub. An administrator sees no case "
            "content, so they cannot give themselves a role that does.",
        ],
    )
