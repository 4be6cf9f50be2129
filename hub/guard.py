"""The one place where requests are let in: signed in, not idle, with the right roles.

Every endpoint needs a signed-in user unless it is listed in ``PUBLIC_ENDPOINTS``.
Every blueprint declares who it serves, once, beside its creation: ``require_roles`` for
the roles it serves, or ``for_every_role`` for pages any signed-in user has (home, their
account, signing in and out). The app refuses to start with a blueprint that declares
neither (``check_declared``), and unknown role names are refused when the app starts,
not at request time.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import NoReturn
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.errors import NotAllowed, NotFound
from sharing.vocabulary import Role, SessionEnd

#: Endpoints anyone may reach: sign-in steps, static files, the health check, the
#: public Community Trigger application, the closure survey by link, and the privacy
#: notice and accessibility statement.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.sign_in",
        "auth.second_factor",
        "auth.set_up_second_factor",
        "auth.single_sign_on",
        "auth.single_sign_on_callback",
        "auth.provider_sign_out",
        "auth.set_password_link",
        "auth.set_password",
        "health.health",
        "health.ready",
        "apply.start",
        "apply.form",
        "apply.done",
        "your_say.link",
        "your_say.answer",
        "your_say.thanks",
        "statements.privacy",
        "statements.accessibility",
    }
)

#: Endpoints that a signed-in page's script calls, never opened as pages: the warning
#: before the idle sign-out asking how long the session has left, and its "Stay signed
#: in" (``hub.account.session_time``). Signed out, they answer 401 where a page redirects
#: to sign-in: a script does not follow a redirect to a page, it sends its user there.
ASKED_BY_SCRIPT = frozenset({"account.time_left", "account.stay_signed_in"})


#: Blueprint name → the roles it serves.
_AUDIENCES: dict[str, frozenset[Role]] = {}


def require_roles(blueprint: Blueprint, *roles: str) -> None:
    """Let only users holding one of ``roles`` into ``blueprint``'s pages (403 otherwise)."""
    allowed = frozenset(Role(r) for r in roles)  # ValueError at start-up for a typo
    _AUDIENCES[blueprint.name] = allowed

    @blueprint.before_request
    def _check_roles() -> None:
        if not current_user.has_role(*allowed):
            _refused_page(blueprint.name, allowed)
            abort(403)


def may_open(blueprint: str) -> bool:
    """Whether the signed-in user's roles open ``blueprint``'s pages: a page links to
    another only for those it would not refuse (a refusal is an audit entry)."""
    if blueprint not in current_app.blueprints:
        raise KeyError(f"no blueprint named {blueprint!r}")  # a typo would open to all
    allowed = _AUDIENCES.get(blueprint)
    return allowed is None or bool(current_user.has_role(*allowed))


def _refused_page(area: str, allowed: frozenset[Role]) -> None:
    """Record a signed-in user's refusal at a blueprint their roles do not serve: the
    page's area and what it serves, never the address (it may hold ids or a search)."""
    if not current_user.is_authenticated:
        return  # the sign-in check before it answers them
    acts.refuse(
        db(),
        acts.Action.PAGE_REFUSED,
        actor=current_user.actor,
        subject=acts.Subject("page", area),
        reason=f"{request.endpoint} is for {', '.join(sorted(r.label.lower() for r in allowed))}",
    )


def record_unrecorded_refusal(response: Response) -> Response:
    """After every request: a signed-in user answered 403 or 404 by a page that recorded
    no refusal of its own (a check in the view, a record of another case or agency) is
    recorded as ``page.refused``, naming the endpoint, the answer and the route's record
    ids, never the address. Every refusal is an entry; the core's own (a refused case
    view, say) are not written twice."""
    if (
        response.status_code in (403, 404)
        and current_user.is_authenticated
        and request.endpoint is not None
        and request.endpoint not in PUBLIC_ENDPOINTS
        and request.blueprint not in _API_BLUEPRINTS
        and not acts.refused_in(db())
    ):
        ids = ", ".join(
            f"{name} {value}"
            for name, value in (request.view_args or {}).items()
            if isinstance(value, int)
        )
        # If it cannot be written now, the roll-back of the refused request writes it
        # again, or reports that it could not.
        with suppress(acts.AuditUnavailable):
            acts.refuse(
                db(),
                acts.Action.PAGE_REFUSED,
                actor=current_user.actor,
                subject=acts.Subject("page", request.blueprint or request.endpoint),
                reason=f"{request.endpoint} answered {response.status_code}"
                + (f" ({ids})" if ids else ""),
            )
    return response


def for_every_role(blueprint: Blueprint) -> None:
    """Declare that ``blueprint``'s pages are for every signed-in user, whatever their
    roles (sign-in itself is still required unless an endpoint is public)."""
    _AUDIENCES[blueprint.name] = frozenset(Role)


#: Blueprints whose callers are partner systems with an access token, not signed-in
#: users: the blueprint checks the token itself, before every view.
_API_BLUEPRINTS: set[str] = set()


def for_api_clients(blueprint: Blueprint) -> None:
    """Declare that ``blueprint`` serves partner systems, each acting as an account of
    its agency: the blueprint must check their access token before every view (the
    session sign-in does not apply)."""
    _API_BLUEPRINTS.add(blueprint.name)
    _AUDIENCES[blueprint.name] = frozenset(Role)


def serves_api_clients(blueprint_name: str) -> bool:
    """Whether the blueprint serves partner systems with access tokens."""
    return blueprint_name in _API_BLUEPRINTS


def audience(blueprint_name: str) -> frozenset[Role] | None:
    """The roles a blueprint serves, or None if it declared nothing."""
    return _AUDIENCES.get(blueprint_name)


def check_declared(app: Flask) -> None:
    """Refuse to start an app with a blueprint that has not declared who it serves."""
    undeclared = sorted(name for name in app.blueprints if name not in _AUDIENCES)
    if undeclared:
        raise RuntimeError(
            "blueprints that do not declare who they serve (require_roles or "
            f"for_every_role in hub.guard): {', '.join(undeclared)}"
        )


def check_request() -> Response | None:
    """Before every request: sign-in required. Sessions live on the server, which ends
    idle ones (``sharing.sign_in_sessions``); a user whose session has ended is told why."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.blueprint in _API_BLUEPRINTS:
        return None
    if request.endpoint is None and request.path.startswith("/api/"):
        return None  # routing answers: 404, or 405 for a method a call does not take
    if request.endpoint is None:
        abort(404)
    if current_user.is_authenticated:
        return None
    ended: SessionEnd | None = g.get("session_ended")
    if ended is not None:
        session.clear()
        flash(_ended_message(ended), "expired")
    if request.endpoint in ASKED_BY_SCRIPT:
        db().commit()  # the session's end, kept as a redirect's commit keeps it
        return Response(status=401)
    return redirect(url_for("auth.sign_in", next=_local_next()))


def _ended_message(ended: SessionEnd) -> str:
    if ended is SessionEnd.IDLE:
        minutes = current_app.config["HUB_SETTINGS"].session_idle_minutes
        return (
            f"You were signed out because you had not used the hub for {minutes} "
            f"minute{'' if minutes == 1 else 's'}. "
            "Nothing you were submitting was saved. Sign in again."
        )
    if ended is SessionEnd.ACCOUNT_DISABLED:  # signing in again cannot work
        return (
            f"{ended.label} Nothing you were submitting was saved. If you think it should "
            "not have been, ask your manager or your agency's administrator."
        )
    return f"{ended.label} Nothing you were submitting was saved. Sign in again."


def _local_next() -> str | None:
    """The page to return to after signing in: GET pages on this site only."""
    if request.method != "GET":
        return None
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str:
    """Only a path on this site is followed after sign-in: no scheme, no host, and no
    whitespace, control characters or backslashes (browsers strip the first two and read
    a backslash as a slash: ``/<tab>/evil.example`` would leave the site)."""
    if (
        target
        and target.startswith("/")
        and not any(c.isspace() or not c.isprintable() or c == "\\" for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not parts.path.startswith("//"):
            return target
    return url_for("home.home")


def authorised_case(
    case_id: int, act: Act = Act.VIEW, purpose: str | None = None
) -> AuthorisedCase:
    """The case with the decision that lets the signed-in user do ``act`` to it, decided
    once for the request: 404 when they may not know it exists, 403 when they may not do
    this to it, with the reason. (A partner with no stated purpose is the case page's to ask.)"""
    try:
        return authorise(db(), current_user.actor, case_id, act, purpose)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        # They may know the case, so they are told why.
        forbid(refused, "You cannot do this to this case")


def forbid(
    refused: NotAllowed, title: str = "You cannot do this", then: Sequence[str] = ()
) -> NoReturn:
    """End the request with a 403 page that gives the core's reason for refusing (a
    reason names rules and roles, never a record's content), then ``then``: what the
    reader can do instead, where the core says. A form refused so (the case was closed
    after it was opened) gives back the text the user wrote in it."""
    page = render_template(
        "errors/error.html",
        title=title,
        paragraphs=[f"The hub refused because {refused}.", *then],
        typed=written_in_form(),
    )
    abort(make_response(page, 403))


#: Text this long, with a space in it, is something the user wrote (a description, a
#: note), not a choice, a date's part or a form's token, which have no spaces.
_WRITTEN = 20


def written_in_form() -> list[str]:
    """What the user wrote in the form of a refused send (or of one not saved twice), to
    copy before it is lost: only their own words, as they sent them moments ago (shown
    escaped, on a page never kept)."""
    if request.method != "POST":
        return []
    texts = (value.strip() for _, value in request.form.items(multi=True))
    return [text for text in texts if len(text) >= _WRITTEN and " " in text]
