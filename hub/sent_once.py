"""A form that makes a record, accepted once: its one-time token (``sent_once``, beside
the CSRF token), and the view that claims it (``accepted_once``), so that the same form
sent again makes nothing more and goes where the first send went, saying so, or, sent
again with other values, says they were not saved and gives back what was typed."""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from typing import Any, ParamSpec

from flask import current_app, flash, g, redirect, render_template, request, session
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from hub.database import db
from hub.guard import written_in_form
from sharing import form_sends

#: The hidden field that carries a form's one-time token.
SENT_ONCE = "sent_once"
#: What the same form sent again is told, on the page of what the first send made.
ALREADY_SAVED = "This was already saved. It has not been saved twice."

P = ParamSpec("P")


def sent_once(always: bool = False) -> Markup:
    """The hidden field of a form that makes a record (in its template, beside the CSRF
    token): a new one-time token when the form is first shown, the one it was sent with
    when it is shown again (with its errors, or its next page). Nothing on the page of a
    view that is not ``accepted_once``, so shared layouts may hold it; ``always`` for a
    form shown on another view's page (an application's page holds the form of its
    recommendations)."""
    if not (always or g.get("accepts_once")):
        return Markup()
    token = request.form.get(SENT_ONCE, "") if request.method == "POST" else ""
    if not form_sends.well_formed(token):
        token = form_sends.new_token()
    return Markup(f'<input type="hidden" name="{SENT_ONCE}" value="{escape(token)}">')  # noqa: S704 - escaped


def accepted_once(view: Callable[P, Any]) -> Callable[P, Any]:
    """A view whose form makes a record, accepted once per one-time token (``sent_once``):
    the same form sent again, even while the first send is under way, makes nothing more
    and goes to the page the first send went to, saying so. A send without a token (a page
    shown before tokens were given) is accepted as it always was."""

    @functools.wraps(view)
    def once(*args: P.args, **kwargs: P.kwargs) -> Any:
        g.accepts_once = True
        token = request.form.get(SENT_ONCE, "") if request.method == "POST" else ""
        if not form_sends.well_formed(token):
            return view(*args, **kwargs)
        claimed = form_sends.claim(db(), current_user.id, token)
        if isinstance(claimed, str):
            sent = _values_sent()
            if session.get(_SENT_VALUES, {}).get(token, sent) != sent:
                return _not_saved_again(claimed)
            flash(ALREADY_SAVED, "important")
            return redirect(claimed)
        response: Response = current_app.make_response(view(*args, **kwargs))
        if response.status_code in (302, 303) and response.location:
            form_sends.made(db(), claimed, response.location)
            _remember_values(token)
        else:
            form_sends.release(db(), claimed)
        return response

    return once


#: The session's keyed hashes of what its latest forms accepted once held, by token.
_SENT_VALUES = "sent_values"
#: How many of them are kept (a form is sent again soon after, if at all).
_KEPT_SENDS = 10


def _values_sent() -> str:
    """A keyed hash of what the form sent holds (never the values: it is kept in the
    session), its token and CSRF token aside."""
    key = current_app.secret_key
    mac = hmac.new(key.encode() if isinstance(key, str) else key or b"", digestmod="sha256")
    mac.update(b"form sent once|")
    for name in sorted(request.form):
        if name not in (SENT_ONCE, "csrf_token"):
            mac.update(json.dumps([name, request.form.getlist(name)]).encode())
    return mac.hexdigest()[:32]


def _remember_values(token: str) -> None:
    """Keep what the send that made a record held, so that the same form sent again with
    other values is told that they were not saved (``accepted_once``)."""
    kept = dict(session.get(_SENT_VALUES, {}))
    kept[token] = _values_sent()
    session[_SENT_VALUES] = dict(list(kept.items())[-_KEPT_SENDS:])


def _not_saved_again(made: str) -> str:
    """The page for a form sent again with other values (Back, a new incident typed over
    the first): nothing more is saved; what the user wrote is given back to copy, with a
    link to what the first send saved."""
    return render_template(
        "already_saved.html", title="This was already saved", made=made, typed=written_in_form()
    )
