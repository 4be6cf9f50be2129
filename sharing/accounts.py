"""Local accounts: argon2id passwords, TOTP second factor (its secret sealed under the key
store), lock-out after failures; and the hub account an agency's identity provider vouches
for (single sign-on)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock, known_browsers, sign_in_sessions
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto import authenticator_secrets
from sharing.crypto.sealing import SealedValueError
from sharing.db import read_for_change
from sharing.formats import (
    CONTROL_CHARACTERS,
    has_control_characters,
    is_digits,
    is_email_address,
    tidied,
)
from sharing.known_browsers import KnownBrowser
from sharing.models import Agency, User, UserRole
from sharing.vocabulary import Role, SessionEnd


@dataclass(frozen=True)
class HashingCost:
    """The cost of argon2id password hashes: passes, memory (KiB) and lanes. Sessions
    carry the configured cost (``sharing.db.make_session_factory``); a hash made at
    another cost is verified at its own, and rehashed at the session's on sign-in."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def at_least(self, floor: HashingCost) -> bool:
        return self.time_cost >= floor.time_cost and self.memory_kib >= floor.memory_kib


#: RFC 9106's second recommended option (argon2-cffi's defaults): the hub's default.
RECOMMENDED = HashingCost()
#: OWASP's minimum for argon2id (19 MiB, 2 passes): production refuses anything weaker.
MINIMUM = HashingCost(time_cost=2, memory_kib=19456, parallelism=1)


@functools.cache
def _hasher(cost: HashingCost) -> PasswordHasher:
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
    )


@functools.cache
def _dummy_hash(cost: HashingCost) -> str:
    """Verified against when the e-mail is unknown, so both paths take the same time."""
    return _hasher(cost).hash(secrets.token_urlsafe(16))


def hashing_cost(session: Session) -> HashingCost:
    """The password hashing cost the session was made with (the recommended one unless
    configured)."""
    cost = session.info.get("hashing_cost")
    return cost if isinstance(cost, HashingCost) else RECOMMENDED


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
#: The password of every demo account, published in the README: refused for any account
#: given a password (the demo's accounts share a hash made of it, never checked here).
DEMO_PASSWORD = "demo-only-Northshire-2026"  # noqa: S105 - published demo credential
#: The longest name or team of a user (their columns).
MAX_NAME = 120
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
TOTP_ISSUER = "Partnership hub"


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


class SignInOutcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: datetime | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    if len(set(password)) < 5:
        return "Password must not repeat the same few characters"
    if password.casefold() == DEMO_PASSWORD.casefold():
        return "Password must not be the demo partnership's password, which is published"
    return None


def hash_password(password: str, cost: HashingCost = RECOMMENDED) -> str:
    problem = check_password_rules(password)
    if problem:
        raise AccountError(problem)
    return _hasher(cost).hash(password)


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    agency: Agency,
    email: str,
    display_name: str,
    roles: set[Role],
    password: str | None = None,
    password_hash: str | None = None,
    team: str | None = None,
    totp_secret: str | None = None,
    now: datetime | None = None,
    by: Actor | None = None,
) -> User:
    """Create an active local account with a password, or with an argon2id hash made
    earlier (the demo partnership shares one hash of its published password), and with
    ``totp_secret`` as its authenticator's secret if given (kept sealed). Recorded
    (``by`` the administrator, None for a command-line operator) naming the account and
    its roles, never its address or name."""
    if (password is None) == (password_hash is None):
        raise AccountError("Give either a password or a password hash")
    email = normalise_email(email)
    if not is_email_address(email):
        raise AccountError("Enter an e-mail address in the correct format, like name@example.org")
    display_name = tidied(display_name)
    if not display_name:
        raise AccountError("Enter the user's name")
    team = tidied(team or "") or None
    for what, value in (("name", display_name), ("team", team or "")):
        if len(value) > MAX_NAME:
            raise AccountError(f"The {what} must be {MAX_NAME} characters or fewer")
        if has_control_characters(value):
            raise AccountError(f"The {what} {CONTROL_CHARACTERS}")
    if not roles:
        raise AccountError("Give the user at least one role")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(f"A user with the e-mail address {email} already exists")
    user = User(
        agency=agency,
        email=email,
        display_name=display_name,
        team=team,
        password_hash=password_hash or hash_password(password or "", hashing_cost(session)),
        session_token=secrets.token_hex(16),
        created_at=now or clock.now(),
        role_grants=[UserRole(role=r) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    if totp_secret:
        keep_authenticator_secret(session, user, totp_secret)
    acts.record(
        session,
        acts.Action.ACCOUNT_CREATE,
        actor=by,
        agency_id=agency.id,
        subject=acts.Subject("user", user.id),
        basis=roles_basis(user.roles),
    )
    return user


def roles_basis(roles: Iterable[Role]) -> str:
    """An audit basis naming roles (e.g. ``roles administrator,dpo``)."""
    return "roles " + ",".join(sorted(role.value for role in roles))


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
        _failed(session, None, "no active account has that e-mail address")
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
    hasher = _hasher(hashing_cost(session))
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
        _failed(session, user, f"wrong {what}, from a browser that signed in to the account before")
        return SignInResult(SignInOutcome.BAD_CREDENTIALS)
    read_for_change(session, user)
    if is_locked(user, now):
        return refused_as_locked(session, user)
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        user.locked_until = now + LOCKOUT
        user.failed_sign_ins = 0
        session.flush()
        _failed(session, user, f"wrong {what}; account locked for {LOCKOUT.seconds // 60} minutes")
        return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)
    session.flush()
    _failed(session, user, f"wrong {what}")
    return SignInResult(SignInOutcome.BAD_CREDENTIALS)


def refused_as_locked(session: Session, user: User) -> SignInResult:
    """Refuse, recorded, an attempt to sign in to a locked account (at any step)."""
    _failed(session, user, "account locked after repeated failures")
    return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)


def refused_as_disabled(session: Session, user: User) -> SignInResult:
    """Refuse, recorded, a sign-in whose account was disabled while it was under way
    (found active before its password or code was checked, disabled by then): answered
    as for any account that is not active."""
    _failed(session, user, "account disabled while signing in")
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


def _failed(session: Session, user: User | None, why: str, *, agency_id: int | None = None) -> None:
    acts.record(
        session,
        acts.Action.SIGN_IN_FAILED,
        outcome=acts.Outcome.REFUSED,
        user_id=user.id if user else None,
        agency_id=user.agency_id if user else agency_id,
        subject=acts.Subject("user", user.id) if user else None,
        basis=why,
    )


class SingleSignOnRefusal(Enum):
    """Why the hub would not sign someone in on their identity provider's word; the value
    is what the audit log records (never the address itself)."""

    OTHER_DOMAIN = "single sign-on: an e-mail address outside the agency's domains"
    UNVERIFIED = "single sign-on: the provider has not verified the e-mail address"
    NO_ACCOUNT = "single sign-on: no active account has that e-mail address"
    OTHER_AGENCY = "single sign-on: the account belongs to another agency"
    LOCKED = "single sign-on: account locked after repeated failures"


@dataclass(frozen=True)
class SingleSignOnResult:
    user: User | None = None
    refusal: SingleSignOnRefusal | None = None
    #: Until when the account is locked out, for a ``LOCKED`` refusal.
    locked_until: datetime | None = None


def in_domains(email: str, domains: frozenset[str]) -> bool:
    """Whether ``email`` is an address in one of ``domains`` (lower case)."""
    _, at, domain = email.rpartition("@")
    return bool(at) and domain.lower() in domains


def single_sign_on(
    session: Session,
    *,
    agency_code: str,
    email: str,
    verified: bool,
    domains: frozenset[str],
) -> SingleSignOnResult:
    """The active account of the agency ``agency_code`` whose e-mail address its identity
    provider has vouched for, or why there is none. Nobody is registered on the
    provider's word: the account must exist, in that agency, with that address, and the
    roles are the hub's own. An account locked out after failed attempts stays locked
    until its time is up, whichever way its owner tries to come in (the lock is left as
    it is). A refusal is recorded (in the caller's transaction)."""
    agency = session.scalar(select(Agency).where(Agency.code == agency_code))
    agency_id = agency.id if agency else None
    email = normalise_email(email)
    refusal: SingleSignOnRefusal | None = None
    user = None
    if not in_domains(email, domains):
        refusal = SingleSignOnRefusal.OTHER_DOMAIN
    elif not verified:
        refusal = SingleSignOnRefusal.UNVERIFIED
    else:
        user = find_user(session, email)
        if user is not None:
            # Read again under the account's lock, held until the sign-in is committed:
            # an account disabled at this moment is either disabled first (and refused
            # here) or after (ending the session this starts), never signed in disabled.
            read_for_change(session, user)
        if user is None or not user.active:
            user, refusal = None, SingleSignOnRefusal.NO_ACCOUNT
        elif user.agency_id != agency_id:
            refusal = SingleSignOnRefusal.OTHER_AGENCY
        elif is_locked(user):
            refusal = SingleSignOnRefusal.LOCKED
    if refusal is not None:
        _failed(session, user, refusal.value, agency_id=agency_id)
        locked_until = user.locked_until if user and refusal is SingleSignOnRefusal.LOCKED else None
        return SingleSignOnResult(refusal=refusal, locked_until=locked_until)
    return SingleSignOnResult(user=user)


def refuse_password(session: Session, user: User | None, agency_code: str) -> None:
    """Record that someone gave a password for ``user`` (None for an address with no
    account, in the domains of the agency ``agency_code``), whose agency signs its staff
    in through its own identity provider: the password is not checked."""
    agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
    _failed(
        session,
        user,
        "password sign-in refused: the agency uses its identity provider",
        agency_id=agency_id,
    )


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or clock.now())


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher(RECOMMENDED).verify(password_hash, password)  # at the hash's own cost
    except (VerificationError, InvalidHashError):
        return False


def reset_password(session: Session, user: User, new_password: str) -> None:
    """Set a new password, end the user's sessions and lift any lock-out."""
    user.password_hash = hash_password(new_password, hashing_cost(session))
    user.session_token = secrets.token_hex(16)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()
    acts.record(session, acts.Action.PASSWORD_RESET, subject=acts.Subject("user", user.id))
    sign_in_sessions.end_all(session, user, SessionEnd.PASSWORD_RESET)


def reset_second_factor(session: Session, user: User) -> None:
    """Remove the user's authenticator app (they set one up again at their next sign-in if
    their roles need one) and end their sessions."""
    user.totp_sealed = None
    user.totp_plain = None
    user.totp_last_step = None
    user.session_token = secrets.token_hex(16)
    session.flush()
    acts.record(session, acts.Action.SECOND_FACTOR_RESET, subject=acts.Subject("user", user.id))
    sign_in_sessions.end_all(session, user, SessionEnd.SECOND_FACTOR_RESET)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def check_totp(
    secret: str, code: str, now: datetime | None = None, last_step: int | None = None
) -> int | None:
    """The time step a six-digit ``code`` matches (allowing one step of clock drift),
    or None when it is wrong or was already used."""
    code = code.replace(" ", "").strip()
    if not (len(code) == 6 and is_digits(code)):
        return None
    totp = pyotp.TOTP(secret)
    at = now or clock.now()
    step_now = int(at.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def keep_authenticator_secret(session: Session, user: User, secret: str) -> None:
    """Keep ``secret`` as ``user``'s authenticator secret, sealed under the key store
    (``sharing.crypto.authenticator_secrets``): never in plain in the database."""
    user.totp_sealed = authenticator_secrets.seal_secret(
        session, authenticator_secrets.ENROLLED, user.id, secret
    )
    user.totp_plain = None
    session.flush()


def authenticator_secret(session: Session, user: User) -> str | None:
    """``user``'s authenticator secret, or None if they have not set one up. A secret kept
    in plain from before migration 0041 is sealed here, the first time it is used. Raises
    ``SealedValueError`` for a sealed secret that does not open (altered, or copied from
    another account)."""
    if user.totp_plain is not None:
        secret = user.totp_plain
        keep_authenticator_secret(session, user, secret)
        return secret
    if user.totp_sealed is None:
        return None
    return authenticator_secrets.open_secret(
        session, authenticator_secrets.ENROLLED, user.id, user.totp_sealed
    )


def plain_authenticator_secrets(session: Session) -> int:
    """How many authenticator secrets are still kept in plain (set up before migration
    0041 and not used since)."""
    return (
        session.scalar(select(func.count()).select_from(User).where(User.totp_plain.is_not(None)))
        or 0
    )


def seal_authenticator_secrets(session: Session) -> int:
    """Seal every authenticator secret still kept in plain; how many there were (recorded
    when there were any, as an operator's act on the key store)."""
    users = session.scalars(select(User).where(User.totp_plain.is_not(None))).all()
    for user in users:
        keep_authenticator_secret(session, user, user.totp_plain or "")
    if users:
        acts.record(
            session,
            acts.Action.KEYS_SEAL_SECRETS,
            subject=acts.Subject("key_store"),
            basis=f"{len(users)} authenticator secrets sealed",
        )
    return len(users)


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


def enrol_second_factor(
    session: Session, user: User, secret: str, code: str, now: datetime | None = None
) -> bool:
    """Set up TOTP for ``user`` once they prove their authenticator shows ``code``."""
    step = check_totp(secret, code, now)
    if step is None:
        return False
    keep_authenticator_secret(session, user, secret)
    user.totp_last_step = step
    session.flush()
    acts.record(
        session,
        acts.Action.SECOND_FACTOR_ENROL,
        actor=Actor.of(user),
        subject=acts.Subject("user", user.id),
    )
    return True
