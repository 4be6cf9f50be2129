"""Browsers that have signed in to an account before (OWASP's "device cookies"): after a
whole sign-in the hub gives the browser a signed, HttpOnly cookie naming the account;
its holder may go on trying to sign in to that account while the account is locked out
after failures by others, so that nobody can keep a member of staff out by typing wrong
passwords for their address. The browser's own failures are counted apart, against it:
five in 15 minutes and it is treated as any other until they are 15 minutes old. A cookie
is void once every session of the account is ended (signed out everywhere, the account
disabled, its password or authenticator reset, its roles changed): its token is made from
the account's session token, which ``sign_in_sessions.end_all`` changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sharing import sign_in_limits
from sharing.models import User

#: The failures a known browser may make before it is treated as any other, and for how
#: long they count (the account's own lock-out's).
MAX_FAILURES = 5
FAILURES_COUNT_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class KnownBrowser:
    """What a browser's checked cookie says: the account it signed in to, the account's
    token then (``token_for``), and ``key``, a keyed hash of the cookie's random value
    its failures are counted by."""

    user_id: int
    token: str
    key: str


def token_for(user: User) -> str:
    """What a cookie given to ``user``'s browser now carries of the account: changes with
    the account's session token (a reset, a change of roles)."""
    return hashlib.sha256(f"known-browser:{user.session_token}".encode()).hexdigest()[:32]


def trusted(session: Session, user: User, browser: KnownBrowser | None, now: datetime) -> bool:
    """Whether ``browser`` has signed in to ``user``'s account before (its cookie is still
    good) and has not itself failed too often: it may try past the account's lock-out."""
    return (
        browser is not None
        and browser.user_id == user.id
        and browser.token == token_for(user)
        and sign_in_limits.failures(session, browser.key, now - FAILURES_COUNT_FOR) < MAX_FAILURES
    )


def count_failure(session: Session, browser: KnownBrowser, now: datetime) -> None:
    """A wrong password or code from a known browser: counted against it, not the account."""
    sign_in_limits.count_failure(session, browser.key, now)
