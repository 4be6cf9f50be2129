"""The agency's people, for its managers and administrators: who holds which roles, who
is signed in where and who is locked out, and the buttons that end a user's sessions,
disable their account or lift its lock-out, add someone (administrators) and send a
password reset link."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.account.session_time import idle_limit
from hub.database import db
from hub.guard import forbid, require_roles
from hub.people import links
from hub.people.forms import AddForm, PasswordLinkForm, RolesForm
from hub.sent_once import accepted_once
from hub.templating import uk_datetime
from sharing import (
    adding_people,
    agency_accounts,
    directory,
    duties,
    password_links,
    sign_in_checks,
    sign_in_sessions,
)
from sharing.audit import acts
from sharing.cases import listing
from sharing.errors import InputError, NotAllowed, NotFound, SentLately
from sharing.meetings import conference_leavers
from sharing.models import PasswordLink, User
from sharing.vocabulary import Role, SessionEnd

bp = Blueprint("people", __name__, url_prefix="/people")
require_roles(bp, "manager", "administrator")


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
    live = sign_in_sessions.live_counts(db(), [u.id for u in users], idle_limit())
    return render_template(
        "people/index.html",
        title=f"People in {current_user.agency.name}",
        users=users,
        live=live,
        locked={u.id: u.locked_until for u in users if sign_in_checks.is_locked(u)},
        new_starters={u.id for u in users if password_links.has_no_password(u)},
        clashes=[(u, why) for u in users if (why := duties.kept_apart(u.roles))],
        administrators=[
            u.display_name for u in users if u.active and u.has_role(Role.ADMINISTRATOR)
        ],
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
                *_cases_left(user),
                *_chairs_left(user),
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


#: Where the open cases of someone who no longer works cases go.
_CASES_STAY = (
    " Any open cases that are theirs stay theirs until a manager gives them to another "
    "officer: your agency's managers see them on their home page."
)


def _cases_left(user: User) -> list[str]:
    """What becomes of a leaver's cases, for someone who works cases."""
    if not user.has_role(Role.CASE_OFFICER, Role.MANAGER):
        return []
    return [
        "Any open cases that are theirs stay theirs until a manager gives them to another "
        "officer: your agency's managers see them on their home page, under \u201cOpen "
        "cases of officers who have left or moved role\u201d. Actions they own are told to the managers "
        "when they fall due."
    ]


def _chairs_left(user: User) -> list[str]:
    """What a leaver chairs still to come, which others give a new chair."""
    conferences, meetings = conference_leavers.chaired_by(db(), user)
    chaired = [f"{conferences} case conference{'' if conferences == 1 else 's'} still to meet"]
    if meetings:
        kind = "partnership meeting" if len(meetings) == 1 else "partnership meetings"
        chaired.append(f"the {kind} {' and '.join(meetings)}")
    if not conferences and not meetings:
        return []
    return [
        f"{user.display_name} chairs {' and '.join(chaired[0 if conferences else 1 :])}: each "
        "stays theirs until someone who may change it chooses a new chair, as its page will "
        "say."
    ]


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
    worked_cases = user.has_role(Role.CASE_OFFICER, Role.MANAGER)
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
                    f"{user.display_name}’s roles are now {labels}. They are signed out everywhere."
                    + (_CASES_STAY if worked_cases and listing.moved_role(user) else ""),
                    "success",
                )
            return redirect(url_for("people.index"))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        agency_accounts.refuse_input(db(), current_user.actor, list(form.errors), user_id=user.id)
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


@bp.route("/new", methods=["GET", "POST"])
@accepted_once
def add() -> Response | tuple[str, int]:
    """Add a new member of staff: the agency's administrators only. The hub e-mails them a
    link to set their own password (nobody else ever knows it), unless the agency's
    identity provider signs them in."""
    try:
        adding_people.may_add_people(db(), current_user.actor)
    except NotAllowed as refused:
        forbid(refused, "You cannot add people")
    form = AddForm()
    ask_other_domain = bool(form.other_domain.data)
    if form.validate_on_submit():
        provider = links.provider_for(form.email.data or "")
        try:
            with acts.refusing_input(
                db(),
                acts.Action.ACCOUNT_CREATE,
                actor=current_user.actor,
                subject=acts.Subject("user"),
            ):
                user = adding_people.add_person(
                    db(),
                    current_user.actor,
                    email=form.email.data or "",
                    name=form.display_name.data or "",
                    roles={Role(value) for value in form.roles.data or []},
                    team=form.team.data,
                    other_domain_confirmed=bool(form.other_domain.data),
                )
        except NotAllowed as refused:
            forbid(refused, "You cannot add people")
        except InputError as e:
            form.refuse(e)
            # Once ticked, the box stays, ticked, whatever else is refused: asked once.
            ask_other_domain |= isinstance(e, adding_people.OtherAgencysDomain)
        else:
            if provider is not None:
                flash(
                    f"{user.display_name} has an account. They sign in with their "
                    f"{provider.name} account: no hub password is set.",
                    "success",
                )
                return redirect(url_for("people.index"))
            link, token = adding_people.send_new_account_link(
                db(), user, by=current_user.actor, valid_for=links.valid_for()
            )
            db().commit()
            if links.send(user, link, token):
                flash(
                    f"{user.display_name} has an account. We have e-mailed them a link to set "
                    f"their password, which works until {uk_datetime(link.expires_at)}.",
                    "success",
                )
            return redirect(url_for("people.index"))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        agency_accounts.refuse_input(db(), current_user.actor, list(form.errors))
    status = 400 if request.method == "POST" else 200
    title = f"Add someone to {current_user.agency.name}"
    return render_template(
        "people/add.html", title=title, form=form, ask_other_domain=ask_other_domain
    ), status


@bp.route("/<int:user_id>/password-link", methods=["GET", "POST"])
def password_link(user_id: int) -> Response | str:
    """Send a password reset link: asks first, saying what it does (the old password stops
    working at once, and they are signed out everywhere)."""
    user = _account(user_id, acts.Action.PASSWORD_LINK_SEND)
    form = PasswordLinkForm()
    reset_authenticator = bool(form.reset_authenticator.data)
    try:
        agency_accounts.may_send_link(
            db(), current_user.actor, user, reset_authenticator=reset_authenticator
        )
    except NotAllowed as refused:
        if user.id == current_user.id:
            flash(
                "You cannot send yourself a password reset link. Ask another manager or "
                "administrator of your agency, or the hub's operator.",
                "error",
            )
            return redirect(url_for("people.index"))
        forbid(refused, "You cannot send a password reset link")
    provider = links.provider_for(user.email)
    if provider is not None and not provider.passwords:
        flash(
            f"{user.display_name} signs in with their {provider.name} account: their "
            f"password is reset at {provider.name}, not in the hub.",
            "info",
        )
        return redirect(url_for("people.index"))
    new_starter = password_links.has_no_password(user)
    if not form.validate_on_submit():
        return render_template(
            "people/password_link.html",
            title=f"Send {user.display_name} a new link to set their password"
            if new_starter
            else f"Send {user.display_name} a password reset link",
            form=form,
            user=user,
            new_starter=new_starter,
            hours=links.settings().password_link_hours,
        )
    try:
        link, token = agency_accounts.send_reset_link(
            db(),
            user,
            by=current_user.actor,
            reset_authenticator=reset_authenticator,
            valid_for=links.valid_for(),
        )
    except SentLately as lately:
        flash(
            f"A link was sent to {user.display_name} on {uk_datetime(lately.at)}. You can "
            f"send another from {uk_datetime(lately.at + password_links.RESEND_AFTER)}.",
            "info",
        )
        return redirect(url_for("people.index"))
    except NotAllowed as refused:
        forbid(refused, "You cannot send a password reset link")
    db().commit()
    if links.send(user, link, token):
        flash(_link_sent(user, link, new_starter), "success")
    return redirect(url_for("people.index"))


def _link_sent(user: User, link: PasswordLink, new_starter: bool) -> str:
    until = uk_datetime(link.expires_at)
    if new_starter:  # they have no password yet: nothing of theirs stops working
        return (
            f"We have e-mailed {user.display_name} a new link to set their password, which "
            f"works until {until}. Any link sent to them before no longer works."
        )
    return (
        f"We have e-mailed {user.display_name} a link to set a new password, which works "
        f"until {until}. Their old password no longer works, and they are signed out "
        "everywhere."
    )
