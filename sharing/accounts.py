"""Local accounts: creating one (its roles recorded, never its address or name), finding
one by its e-mail address, and its password: argon2id hashes at a configured cost
(``HashingCost``), the rules a new password must meet, and resetting it. Signing in to
an account is ``sharing.sign_in_checks`` (lock-out after failures, the security code),
and on an agency's identity provider's word ``sharing.provider_sign_in``; its
authenticator app's secret is ``sharing.authenticator_apps``."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock, sign_in_sessions
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.authenticator_apps import keep_authenticator_secret
from sharing.formats import CONTROL_CHARACTERS, has_control_characters, is_email_address, tidied
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
def password_hasher(cost: HashingCost) -> PasswordHasher:
    """The argon2id hasher at ``cost`` (one for each cost)."""
    return PasswordHasher(
        time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
    )


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


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


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
    return password_hasher(cost).hash(password)


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


def reset_password(session: Session, user: User, new_password: str) -> None:
    """Set a new password, end the user's sessions and lift any lock-out."""
    user.password_hash = hash_password(new_password, hashing_cost(session))
    user.session_token = secrets.token_hex(16)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()
    acts.record(session, acts.Action.PASSWORD_RESET, subject=acts.Subject("user", user.id))
    sign_in_sessions.end_all(session, user, SessionEnd.PASSWORD_RESET)
