"""Signed-in sessions, held on the server.

Signing in starts a session row and gives the browser a random key for it (in the signed
session cookie); every request finds the row by the key's hash. A session ends on the
server — signing out, the idle limit, "sign out everywhere", a password or authenticator
reset, an account disabled — and a copy of the cookie taken before then no longer signs
anyone in. Each ending is recorded in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.models import SignInSession, User
from sharing.vocabulary import SessionEnd

#: How often a live session's last-seen time is written: the idle limit is kept to the
#: minute without a write on every request.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Resumed:
    """The user a session key signs in, or why it no longer does."""

    user: User | None
    ended: SessionEnd | None = None


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


def resume(session: Session, key: str, idle: timedelta) -> Resumed:
    """The user whose live session ``key`` is, noting that they were seen now; a session
    idle for longer than ``idle`` ends here. The user, their roles and their agency come with
    the session (every signed-in request asks for them; every page's header names the
    agency)."""
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
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return Resumed(row.user)


def _end(row: SignInSession, why: SessionEnd, now: datetime) -> None:
    row.ended_at = now
    row.ended_why = why


def sign_out(session: Session, key: str, actor: Actor) -> None:
    """End this one session (the user's others carry on)."""
    row = session.scalar(select(SignInSession).where(SignInSession.key_hash == _hash(key)))
    if row is not None and row.ended_why is None:
        _end(row, SessionEnd.SIGNED_OUT, clock.now())
    acts.record(
        session, acts.Action.SIGN_OUT, actor=actor, subject=acts.Subject("user", actor.user_id)
    )


def end_all(session: Session, user: User, why: SessionEnd, *, by: Actor | None = None) -> int:
    """End every live session of ``user`` at once; how many there were. Recorded as ``by``'s
    act (the user's own, or an administrator's; None for a command-line operator)."""
    ended: int = session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        update(SignInSession)
        .where(SignInSession.user_id == user.id, SignInSession.ended_why.is_(None))
        .values(ended_at=clock.now(), ended_why=why)
        .execution_options(synchronize_session=False)
    ).rowcount
    acts.record(
        session,
        acts.Action.SESSIONS_END,
        actor=by,
        subject=acts.Subject("user", user.id),
        basis=f"{why.value}: {ended} sessions ended",
    )
    return ended


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
