"""Failed sign-ins limited by where they come from (``sharing.sign_in_limits``): each
attempt at a password or a security code is counted against its source (the address, or
an IPv6 address's /64, as a keyed hash) before it is checked, in a transaction of its
own, so every worker of the hub agrees; past ``sign_in_failures_per_hour`` it is refused
with a page of its own (429) that says when to try again and nothing about the account."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app, render_template, request

from hub.database import db
from hub.settings import Settings
from hub.templating import uk_datetime
from sharing import clock, sign_in_limits
from sharing.sources import source_of


def _limits() -> sign_in_limits.Limits:
    settings: Settings = current_app.config["HUB_SETTINGS"]
    return sign_in_limits.Limits(
        per_source=settings.sign_in_failures_per_hour, window=timedelta(hours=1)
    )


def _source_key() -> str:
    source = source_of(request.remote_addr)
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, source.encode(), hashlib.sha256).hexdigest()


class Refused(Exception):
    """This source is past its limit of failed sign-ins until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__("too many failed sign-ins from here")
        self.until = until


def begin_attempt() -> int:
    """Count this request's attempt to sign in against its source (as failed until
    ``succeeded``) and return its id; raise ``Refused`` when the source is past its limit
    (the refusal is recorded, the attempt not counted)."""
    limits, now = _limits(), clock.now()
    with current_app.extensions["hub.sessions"]() as counts:
        attempt = sign_in_limits.attempt(counts, _source_key(), now, limits)
        counts.commit()  # seen by attempts at the same moment before any is decided
        until = sign_in_limits.refused_until(counts, attempt, now, limits)
        counts.commit()
    if until is not None:
        raise Refused(until)
    return attempt


def failed_lately() -> int:
    """How many failed sign-ins this source has made within the window (this one too)."""
    since = clock.now() - _limits().window
    return sign_in_limits.failures(db(), _source_key(), since)


def succeeded(attempt: int) -> None:
    """The attempt proved right: taken off its source's failures, with the request's own
    transaction (the caller commits)."""
    sign_in_limits.succeeded(db(), attempt)


def not_counted(attempt: int) -> None:
    """The attempt could not be tried at all (its identity provider could not be
    reached): not a failure of whoever made it. Committed with the request's transaction
    (the caller commits)."""
    sign_in_limits.succeeded(db(), attempt)


def refuse_if_past_limit() -> None:
    """Raise ``Refused`` when this source is past its limit of failed sign-ins (as
    ``begin_attempt``, the refusal recorded), counting nothing: for a step that tries
    nothing yet (sending the browser to an identity provider)."""
    attempt = begin_attempt()
    not_counted(attempt)
    db().commit()


def too_many(refused: Refused) -> tuple[str, int, dict[str, str]]:
    """The page for a source past its limit: when to try again, nothing about accounts."""
    wait = max(1, int((refused.until - clock.now()).total_seconds()))
    page = render_template(
        "auth/too_many.html", title="Too many attempts to sign in", until=uk_datetime(refused.until)
    )
    return page, 429, {"Retry-After": str(wait)}
