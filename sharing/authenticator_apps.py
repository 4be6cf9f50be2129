"""A user's authenticator app, their second factor (TOTP): a new secret and the address
its QR code shows, a security code checked against it (one step of clock drift, never a
step used before), the secret kept sealed under the key store (and those kept in plain
from before sealed), setting one up and removing it."""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock, sign_in_sessions
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto import authenticator_secrets
from sharing.formats import is_digits
from sharing.models import User
from sharing.vocabulary import SessionEnd

TOTP_ISSUER = "Partnership hub"


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
