"""One-time links to set a password, e-mailed to a new member of staff an administrator
has added, or to someone a manager or administrator sends a password reset link.

A link carries a random token; the hub keeps only its SHA-256, so nobody with the database
can use one. A link works once, until it expires, and is void once a newer link is sent
to the account, the account is disabled, or its password is set another way (the
operator's ``hub users reset-password``). Each use, and each refused use, is recorded,
naming the account by its number alone: never the address, the name or the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, sign_in_sessions
from sharing.access.decide import Actor
from sharing.accounts import check_password_rules, hash_password, hashing_cost
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError, LinkRefused
from sharing.models import PasswordLink, User
from sharing.vocabulary import Labelled, SessionEnd

#: What a link is for: the e-mail and the page say it.
NEW_ACCOUNT, RESET = "new account", "password reset"
#: How long a link works by default (the ``password_link_hours`` setting).
VALID_FOR = timedelta(hours=72)
#: The least time between two links to one account: a second click soon after the first
#: is told a link was just sent.
RESEND_AFTER = timedelta(minutes=5)
#: Why a link was voided, besides being used.
NEWER_LINK = "a newer link was sent"
DISABLED = "the account was disabled"
NOT_SENT = "the e-mail could not be sent"


class Refusal(Labelled):
    """Why a link cannot be used: the value is the audit entry's reason, the label what
    the page says (never anything of the account)."""

    UNKNOWN = "no such link", "This link does not work"
    USED = "link already used", "This link has already been used"
    EXPIRED = "link expired", "This link has expired"
    VOID = "link void", "This link no longer works"


def unusable_password() -> str:
    """A password hash no password matches (not a hash at all): an account given it has
    no password until its owner sets one with a link."""
    return _UNUSABLE + secrets.token_hex(16)


_UNUSABLE = "!no-password:"


def has_no_password(user: User) -> bool:
    """Whether ``user`` has never set a password (added with none, and not signed in)."""
    return user.password_hash.startswith(_UNUSABLE) and user.last_sign_in_at is None


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _password_was(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def sent_lately(session: Session, user: User, now: datetime | None = None) -> datetime | None:
    """When a link was sent to ``user`` within ``RESEND_AFTER``, if one was (one whose
    e-mail could not be sent does not count)."""
    since = (now or clock.now()) - RESEND_AFTER
    return session.scalar(
        select(PasswordLink.created_at)
        .where(
            PasswordLink.user_id == user.id,
            PasswordLink.created_at > since,
            (PasswordLink.voided_why.is_(None)) | (PasswordLink.voided_why != NOT_SENT),
        )
        .order_by(PasswordLink.created_at.desc())
        .limit(1)
    )


def issue(
    session: Session,
    user: User,
    kind: str,
    *,
    by: Actor | None,
    valid_for: timedelta = VALID_FOR,
    now: datetime | None = None,
) -> tuple[PasswordLink, str]:
    """A new link for ``user`` and its token (to e-mail, and never keep): any link sent
    before is void. Recorded as sent, by ``by`` (None for an operator)."""
    now = now or clock.now()
    void_all(session, user, NEWER_LINK, now)
    token = secrets.token_urlsafe(32)
    link = PasswordLink(
        user_id=user.id,
        token_hash=token_hash(token),
        kind=kind,
        created_at=now,
        expires_at=now + valid_for,
        password_was=_password_was(user),
    )
    session.add(link)
    session.flush()
    acts.record(
        session,
        acts.Action.PASSWORD_LINK_SEND,
        actor=by,
        agency_id=user.agency_id,
        subject=acts.Subject("user", user.id),
        basis=f"{kind} link {link.id}, valid for {int(valid_for.total_seconds() // 3600)} hours",
    )
    return link, token


def not_sent(session: Session, link: PasswordLink, why: str, *, by: Actor | None) -> None:
    """The link's e-mail could not be sent (``why``: the failure's type): the link is void,
    and a new one may be sent at once. Recorded as a failed send."""
    link.voided_at = clock.now()
    link.voided_why = NOT_SENT
    session.flush()
    acts.record(
        session,
        acts.Action.PASSWORD_LINK_SEND,
        actor=by,
        outcome=acts.Outcome.FAILED,
        subject=acts.Subject("user", link.user_id),
        basis=f"link {link.id}: {NOT_SENT} ({why[:40]})",
    )


def void_all(session: Session, user: User, why: str, now: datetime | None = None) -> int:
    """Void every link of ``user``'s still unused; how many."""
    live = session.scalars(
        select(PasswordLink).where(
            PasswordLink.user_id == user.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.voided_at.is_(None),
        )
    ).all()
    for link in live:
        link.voided_at = now or clock.now()
        link.voided_why = why
    session.flush()
    return len(live)


def opened(session: Session, token: str, now: datetime | None = None) -> PasswordLink:
    """The link ``token`` opens, while it may be used; ``LinkRefused`` (recorded) if it
    is unknown, used, expired or void."""
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == token_hash(token)))
    why, detail = _refusal(link, now or clock.now())
    if why is None and link is not None:
        return link
    raise acts.refused(
        session,
        acts.Action.PASSWORD_LINK_USE,
        user_id=link.user_id if link else None,
        agency_id=link.user.agency_id if link else None,
        subject=acts.Subject("user", link.user_id) if link else None,
        reason=detail + (f" (link {link.id})" if link else ""),
        answer=LinkRefused(why.value if why else ""),
    )


def _refusal(link: PasswordLink | None, now: datetime) -> tuple[Refusal | None, str]:
    """Why ``link`` cannot be used, and the audit entry's reason; None while it can."""
    if link is None:
        return Refusal.UNKNOWN, Refusal.UNKNOWN.value
    if link.used_at is not None:
        return Refusal.USED, Refusal.USED.value
    if link.voided_at is not None:
        return Refusal.VOID, f"{Refusal.VOID.value}: {link.voided_why}"
    if not link.user.active:
        return Refusal.VOID, f"{Refusal.VOID.value}: {DISABLED}"
    if link.password_was != _password_was(link.user):
        return Refusal.VOID, f"{Refusal.VOID.value}: the password was set another way"
    if link.expires_at <= now:
        return Refusal.EXPIRED, Refusal.EXPIRED.value
    return None, ""


def use(session: Session, token: str, password: str, now: datetime | None = None) -> User:
    """Set the password of the account the link ``token`` opens, once: the link is used,
    any lock-out lifted, and the account's other sessions and half-done sign-ins end.
    ``InputError`` (on ``password``) for one that breaks the rules, ``LinkRefused``
    (recorded) for a link that cannot be used, checked again under the account's lock so
    that a link sent twice at once sets one password."""
    now = now or clock.now()
    link = opened(session, token, now)
    problem = check_password_rules(password)
    if problem:
        raise InputError("password", problem)
    user = link.user
    read_for_change(session, user, link)
    link = opened(session, token, now)
    user.password_hash = hash_password(password, hashing_cost(session))
    user.session_token = secrets.token_hex(16)
    user.failed_sign_ins = 0
    user.locked_until = None
    link.used_at = now
    session.flush()
    acts.record(
        session,
        acts.Action.PASSWORD_LINK_USE,
        actor=Actor.of(user),
        subject=acts.Subject("user", user.id),
        basis=f"{link.kind} link {link.id}",
    )
    sign_in_sessions.end_all(session, user, SessionEnd.PASSWORD_RESET)
    return user
