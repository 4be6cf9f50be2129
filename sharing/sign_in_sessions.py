"""Signed-in sessions, held on the server.

Signing in starts a session row and gives the browser a random key for it (in the signed
session cookie); every request finds the row by the key's hash. A session ends on the
server — signing out, the idle limit, "sign out everywhere", a password or authenticator
reset, an account disabled — and a copy of the cookie taken before then no longer signs
anyone in. Each ending is recorded in the audit log.

A sign-in half done (the security code, or setting up the authenticator app, still to
come) is held on the server the same way (``begin_step``), and so is an authenticator key
being set up in a session (``set_up_key``): the cookie never carries either, and the
database holds the key being set up only sealed under the key store
(``sharing.crypto.authenticator_secrets``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.crypto import authenticator_secrets
from sharing.crypto.authenticator_secrets import SET_UP_AT_SIGN_IN, SET_UP_IN_SESSION
from sharing.crypto.sealed_format import SealedValueError
from sharing.models import SignInSession, SignInStep, User
from sharing.vocabulary import SessionEnd

#: How often a live session's last-seen time is written: the idle limit is kept to the
#: minute without a write on every request (to a quarter of a limit shorter than four
#: minutes, so that a request made before the limit always counts).
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Resumed:
    """The user a session key signs in, or why it no longer does."""

    user: User | None
    ended: SessionEnd | None = None
    #: When a live session ends unless its user is seen again before then.
    ends_at: datetime | None = None


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def start(session: Session, user: User, *, method: str) -> str:
    """Sign ``user`` in: a new session (its key is returned, for the cookie), the user's
    last sign-in, and the audit entry, in the caller's transaction. Only here, once the
    whole sign-in has succeeded (password and security code, or the identity provider), are
    earlier failed attempts forgotten."""
    now = clock.now()
    key = secrets.token_urlsafe(32)
    session.add(
        SignInSession(
            user_id=user.id, key_hash=_hash(key), method=method, started_at=now, last_seen_at=now
        )
    )
    user.last_sign_in_at = now
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()
    acts.record(
        session,
        acts.Action.SIGN_IN,
        actor=Actor.of(user),
        subject=acts.Subject("user", user.id),
        basis=method,
    )
    return key


def resume(session: Session, key: str, idle: timedelta, *, seen: bool = True) -> Resumed:
    """The user whose live session ``key`` is, noting that they were seen now (unless not
    ``seen``: a page asking how long the session has left is not the user using the hub);
    a session idle for longer than ``idle`` ends here. The user, their roles and their
    agency come with the session (every signed-in request asks for them; every page's
    header names the agency)."""
    row = (
        session.scalars(
            select(SignInSession)
            .where(SignInSession.key_hash == _hash(key))
            .options(
                joinedload(SignInSession.user).options(
                    joinedload(User.role_grants), joinedload(User.agency)
                )
            )
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return Resumed(None)
    if row.ended_why is not None:
        return Resumed(None, row.ended_why)
    now = clock.now()
    if now - row.last_seen_at > idle:
        _end(row, SessionEnd.IDLE, now)
        return Resumed(None, SessionEnd.IDLE)
    if not row.user.active:
        _end(row, SessionEnd.ACCOUNT_DISABLED, now)
        return Resumed(None, SessionEnd.ACCOUNT_DISABLED)
    if seen and now - row.last_seen_at >= min(SEEN_EVERY, idle / 4):
        row.last_seen_at = now
    return Resumed(row.user, ends_at=row.last_seen_at + idle)


def _end(row: SignInSession, why: SessionEnd, now: datetime) -> None:
    row.ended_at = now
    row.ended_why = why
    row.totp_set_up = None


def sign_out(session: Session, key: str, actor: Actor) -> None:
    """End this one session (the user's others carry on)."""
    row = session.scalar(select(SignInSession).where(SignInSession.key_hash == _hash(key)))
    if row is not None and row.ended_why is None:
        _end(row, SessionEnd.SIGNED_OUT, clock.now())
    acts.record(
        session, acts.Action.SIGN_OUT, actor=actor, subject=acts.Subject("user", actor.user_id)
    )


def end_all(session: Session, user: User, why: SessionEnd, *, by: Actor | None = None) -> int:
    """End every live session of ``user`` at once, forget their sign-ins half done (a
    password given, the security code not yet: someone else may be at that step), and
    make every browser that signed in to the account before a stranger again (its
    ``sharing.known_browsers`` cookie is void: the device may be the one stolen); how many
    sessions there were. Recorded as ``by``'s act (the user's own, or an administrator's;
    None for a command-line operator)."""
    user.session_token = secrets.token_hex(16)
    session.flush()
    ended: int = session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        update(SignInSession)
        .where(SignInSession.user_id == user.id, SignInSession.ended_why.is_(None))
        .values(ended_at=clock.now(), ended_why=why, totp_set_up=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        delete(SignInStep)
        .where(SignInStep.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    acts.record(
        session,
        acts.Action.SESSIONS_END,
        actor=by,
        subject=acts.Subject("user", user.id),
        basis=f"{why.value}: {ended} sessions ended",
    )
    return ended


@dataclass(frozen=True)
class EarlierSignIn:
    """A sign-in before the one of a session: when, and how ("password and security
    code", or the agency's account)."""

    at: datetime
    method: str


def sign_in_before(session: Session, key: str) -> EarlierSignIn | None:
    """The user's sign-in before the one of the session ``key`` (None: there was none),
    for them to notice one that was not theirs."""
    current = session.scalar(select(SignInSession).where(SignInSession.key_hash == _hash(key)))
    if current is None:
        return None
    earlier = session.scalar(
        select(SignInSession)
        # Sessions are numbered as they start: the one before is the highest below.
        .where(SignInSession.user_id == current.user_id, SignInSession.id < current.id)
        .order_by(SignInSession.id.desc())
        .limit(1)
    )
    return None if earlier is None else EarlierSignIn(earlier.started_at, earlier.method)


def live_counts(session: Session, user_ids: list[int], idle: timedelta) -> dict[int, int]:
    """How many live (not ended, not idle) sessions each of these users has."""
    since = clock.now() - idle
    rows = session.execute(
        select(SignInSession.user_id, func.count())
        .where(
            SignInSession.user_id.in_(user_ids),
            SignInSession.ended_why.is_(None),
            SignInSession.last_seen_at >= since,
        )
        .group_by(SignInSession.user_id)
    )
    return {user_id: count for user_id, count in rows}


def set_up_key(session: Session, key: str, fresh: str) -> str:
    """The authenticator key the user is setting up in the session ``key``: the one offered
    before in this session, or ``fresh``, kept for it (sealed) until ``set_up_done`` or the
    session ends."""
    row = session.scalar(select(SignInSession).where(SignInSession.key_hash == _hash(key)))
    if row is None:
        return fresh
    offered = _opened(session, SET_UP_IN_SESSION, row.user_id, row.totp_set_up)
    if offered is not None:
        return offered
    row.totp_set_up = authenticator_secrets.seal_secret(
        session, SET_UP_IN_SESSION, row.user_id, fresh
    )
    session.flush()
    return fresh


def _opened(session: Session, place: str, user_id: int, sealed: bytes | None) -> str | None:
    """A key being set up, or None if there is none or it does not open (then a new one
    is offered: nothing was set up with it yet)."""
    if sealed is None:
        return None
    try:
        return authenticator_secrets.open_secret(session, place, user_id, sealed)
    except SealedValueError:
        return None


def set_up_done(session: Session, key: str) -> None:
    """Forget the authenticator key set up in the session ``key`` (now the user's own)."""
    session.execute(
        update(SignInSession).where(SignInSession.key_hash == _hash(key)).values(totp_set_up=None)
    )


@dataclass(frozen=True)
class Pending:
    """The sign-in half done a key names, or whether it ran out of time."""

    step: SignInStep | None
    expired: bool = False


def begin_step(
    session: Session,
    user: User,
    *,
    method: str,
    next_page: str,
    provider: str | None = None,
    totp_set_up: str | None = None,
    within: timedelta,
) -> str:
    """Note that who ``user`` is has been established by ``method``, the second step to
    come; the key for the browser's cookie is returned. Half-done sign-ins older than
    ``within`` are forgotten here (with any authenticator key they held). The key being set
    up, ``totp_set_up``, is kept sealed."""
    now = clock.now()
    forget_old_steps(session, now, within)
    key = secrets.token_urlsafe(32)
    session.add(
        SignInStep(
            user_id=user.id,
            key_hash=_hash(key),
            user_token=user.session_token,
            started_at=now,
            method=method,
            provider=provider,
            next_page=next_page,
            totp_set_up=authenticator_secrets.seal_secret(
                session, SET_UP_AT_SIGN_IN, user.id, totp_set_up
            )
            if totp_set_up
            else None,
        )
    )
    session.flush()
    return key


def forget_old_steps(session: Session, now: datetime, within: timedelta) -> int:
    """Forget the sign-ins half done more than ``within`` ago, with any authenticator key
    they held (each new sign-in does it, and the hub's housekeeping: ``hub users sweep``);
    how many there were."""
    forgotten: int = session.execute(  # type: ignore[attr-defined]  # a DELETE's CursorResult
        delete(SignInStep)
        .where(SignInStep.started_at < now - within)
        .execution_options(synchronize_session=False)
    ).rowcount
    return forgotten


def pending_step(session: Session, key: str, within: timedelta) -> Pending:
    """The sign-in half done whose key is ``key``, if it is less than ``within`` old and its
    user can still sign in with it (active, no password reset since); one too old is
    forgotten."""
    step = session.scalar(select(SignInStep).where(SignInStep.key_hash == _hash(key)))
    if step is None:
        return Pending(None)
    if clock.now() - step.started_at > within:
        end_step(session, step)
        return Pending(None, expired=True)
    if not step.user.active or step.user.session_token != step.user_token:
        return Pending(None)
    return Pending(step)


def step_set_up_key(session: Session, step: SignInStep) -> str | None:
    """The authenticator key being set up at the sign-in half done ``step``, if any (None
    too for one that does not open)."""
    return _opened(session, SET_UP_AT_SIGN_IN, step.user_id, step.totp_set_up)


def end_step(session: Session, step: SignInStep) -> None:
    """Forget a sign-in half done (finished, locked out or out of time)."""
    session.delete(step)
    session.flush()
