"""The warning before the idle sign-out: how long the signed-in user's session has left,
and how long before its end a page warns of it (the page's script,
``hub/assets/timeout-warning.mjs``, shows the warning; ``hub.account.views`` answers it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from flask_login import current_user

from hub.guard import PUBLIC_ENDPOINTS
from sharing import clock

#: How long before the idle sign-out a page warns of it.
WARN_BEFORE = timedelta(minutes=2)

#: The endpoint a page's script asks how long the session has left: asking is not using
#: the hub, so it does not count against the idle limit (``hub.app``'s user loader).
TIME_LEFT = "account.time_left"


@dataclass(frozen=True)
class SignOutWarning:
    """What a page needs to warn its user before the idle sign-out, in seconds."""

    ends_in: int
    warn_before: int


def idle_limit() -> timedelta:
    """How long a session lasts without a request (``session_idle_minutes``)."""
    return timedelta(minutes=current_app.config["HUB_SETTINGS"].session_idle_minutes)


def warn_before(idle: timedelta) -> timedelta:
    """``WARN_BEFORE`` the sign-out, or halfway through a limit shorter than twice that."""
    return min(WARN_BEFORE, idle / 2)


def seconds_left() -> int:
    """How many whole seconds the signed-in user's session has left without a request."""
    ends_at = current_user.ends_at
    if ends_at is None:
        return int(idle_limit().total_seconds())
    return max(0, int((ends_at - clock.now()).total_seconds()))


def sign_out_warning() -> SignOutWarning | None:
    """The warning a page carries, or None on a page that carries none: public pages
    (sign-in, the public forms, the statements), and no one signed in."""
    if request.endpoint in PUBLIC_ENDPOINTS or not current_user.is_authenticated:
        return None
    return SignOutWarning(
        ends_in=seconds_left(), warn_before=int(warn_before(idle_limit()).total_seconds())
    )
