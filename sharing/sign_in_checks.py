"""Signing in to a local account: its password (an unknown address answered as a wrong
password, in the same time), then its security code, each checked under the account's
lock; failures counted, five in a row locking the account out for ``LOCKOUT`` (a browser
that signed in to it before may try past it, counted against the browser); every
refusal recorded, never the address typed."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from sharing import clock, known_browsers
from sharing.accounts import RECOMMENDED, HashingCost, find_user, hashing_cost, password_hasher
from sharing.audit import acts
from sharing.authenticator_apps import authenticator_secret, check_totp
from sharing.crypto.sealed_format import SealedValueError
from sharing.db import read_for_change
from sharing.known_browsers import KnownBrowser
from sharing.models import User

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)


class SignInOutcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: datetime | None = None


@functools.cache
def _dummy_hash(cost: HashingCost) -> str:
    """Verified against when the e-mail is unknown, so both paths take the same time."""
    return password_hasher(cost).hash(secrets.token_urlsafe(16))


def authenticate(
    session: Session,
    email: str,
    password: str,
    now: datetime | None = None,
    *,
    browser: KnownBrowser | None = None,
) -> SignInResult:
    """Check an e-mail and password, counting failures and locking out repeated ones.

    An unknown e-mail and a wrong password give the same answer. A right password does not
    clear the failures: a wrong security code after it counts with them, and only a whole
    sign-in (``sign_in_sessions.start``) clears them. A ``browser`` that has signed in to
    the account before may try past its lock-out, its failures counted against it
    (``sharing.known_browsers``).
    """
    now = now or clock.now()
    user = find_user(session, email)
    if user is None or not user.active:
        _verify(_dummy_hash(hashing_cost(session)), password)
        # The e-mail address typed is not recorded: it may be anyone's, or a password.
        sign_in_failed(session, None, "no active account has that e-mail address")
        return SignInResult(SignInOutcome.BAD_CREDENTIALS)
    known = browser if known_browsers.trusted(session, user, browser, now) else None
    if is_locked(user, now) and known is None:
        # As long as a password checked: a quick answer would tell the account exists.
        _verify(_dummy_hash(hashing_cost(session)), password)
        return refused_as_locked(session, user)
    if not _verify(user.password_hash, password):
        return record_failure(session, user, now, browser=known)
    # Checked again under the account's lock (the password was checked without it, as it
    # takes time): a failure counted meanwhile by an attempt at the same moment may have
    # locked the account.
    read_for_change(session, user)
    if not user.active:
        return refused_as_disabled(session, user)
    if is_locked(user, now) and known is None:
        return refused_as_locked(session, user)
    hasher = password_hasher(hashing_cost(session))
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    session.flush()
    return SignInResult(SignInOutcome.OK, user=user)


def record_failure(
    session: Session,
    user: User,
    now: datetime | None = None,
    *,
    what: str = "password",
    browser: KnownBrowser | None = None,
) -> SignInResult:
    """Count a failed password or code; the fifth in a row locks the account. Counted
    under the account's lock, so that attempts at the same moment each count (none is
    lost by writing the same count as another); one that finds the account locked by
    them meanwhile is refused as locked, and not counted. A failure from a ``browser``
    trusted with the account is counted against the browser instead."""
    now = now or clock.now()
    if browser is not None:
        known_browsers.count_failure(session, browser, now)
        sign_in_failed(
            session, user, f"wrong {what}, from a browser that signed in to the account before"
        )
        return SignInResult(SignInOutcome.BAD_CREDENTIALS)
    read_for_change(session, user)
    if is_locked(user, now):
        return refused_as_locked(session, user)
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        user.locked_until = now + LOCKOUT
        user.failed_sign_ins = 0
        session.flush()
        sign_in_failed(
            session, user, f"wrong {what}; account locked for {LOCKOUT.seconds // 60} minutes"
        )
        return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)
    session.flush()
    sign_in_failed(session, user, f"wrong {what}")
    return SignInResult(SignInOutcome.BAD_CREDENTIALS)


def refused_as_locked(session: Session, user: User) -> SignInResult:
    """Refuse, recorded, an attempt to sign in to a locked account (at any step)."""
    sign_in_failed(session, user, "account locked after repeated failures")
    return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)


def refused_as_disabled(session: Session, user: User) -> SignInResult:
    """Refuse, recorded, a sign-in whose account was disabled while it was under way
    (found active before its password or code was checked, disabled by then): answered
    as for any account that is not active."""
    sign_in_failed(session, user, "account disabled while signing in")
    return SignInResult(SignInOutcome.BAD_CREDENTIALS)


def still_active(session: Session, user: User) -> bool:
    """Whether ``user``'s account is still active as their sign-in completes, read again
    under its lock (held until the sign-in is committed): a disabling saved at the same
    moment is either first, and the sign-in refused (recorded), or after, and ends the
    session the sign-in starts."""
    read_for_change(session, user)
    if user.active:
        return True
    refused_as_disabled(session, user)
    return False


def sign_in_failed(
    session: Session, user: User | None, why: str, *, agency_id: int | None = None
) -> None:
    acts.record(
        session,
        acts.Action.SIGN_IN_FAILED,
        outcome=acts.Outcome.REFUSED,
        user_id=user.id if user else None,
        agency_id=user.agency_id if user else agency_id,
        subject=acts.Subject("user", user.id) if user else None,
        basis=why,
    )


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or clock.now())


def _verify(password_hash: str, password: str) -> bool:
    try:  # at the hash's own cost
        return password_hasher(RECOMMENDED).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def second_factor(
    session: Session,
    user: User,
    code: str,
    now: datetime | None = None,
    *,
    browser: KnownBrowser | None = None,
) -> SignInResult:
    """The security code of a user who has given their password, checked under the
    account's lock (so that a code sent from several browsers at the same moment signs in
    one, and wrong codes sent together each count): LOCKED for a locked account (not
    counted) unless ``browser`` has signed in to it before, OK for a right code not used
    before, else a failure counted; refused for an account disabled since the sign-in
    began."""
    now = now or clock.now()
    read_for_change(session, user)
    if not user.active:
        return refused_as_disabled(session, user)
    known = browser if known_browsers.trusted(session, user, browser, now) else None
    if is_locked(user, now) and known is None:
        return refused_as_locked(session, user)
    if confirm_second_factor(session, user, code, now):
        return SignInResult(SignInOutcome.OK, user=user)
    return record_failure(session, user, now, what="security code", browser=known)


def confirm_second_factor(
    session: Session, user: User, code: str, now: datetime | None = None
) -> bool:
    """Accept a TOTP code for a user with a second factor, refusing replays (the caller
    holds the account's lock: ``second_factor``). A sealed secret that does not open
    (copied from another account, altered) accepts no code."""
    try:
        secret = authenticator_secret(session, user)
    except SealedValueError:
        return False
    if not secret:
        return False
    step = check_totp(secret, code, now, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    session.flush()
    return True
