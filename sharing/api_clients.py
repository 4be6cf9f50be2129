"""Partner systems as API clients: registered by the operator for one agency, acting as
one of its accounts; OAuth2 client credentials exchanged for short-lived access tokens.

Secrets and tokens are random 256-bit values shown once and kept only as SHA-256 hashes,
compared in constant time. A client is refused (and its tokens stop working) once it is
revoked, or once the account it acts as is disabled. Registering, giving a new secret and
revoking are audit entries; so is every refused attempt to get a token, without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit import acts
from sharing.errors import InputError, NotFound
from sharing.formats import has_control_characters, tidied
from sharing.models import User
from sharing.models.api import ApiClient, ApiIdempotencyKey, ApiToken
from sharing.vocabulary import Role

#: What a client may be allowed to do, and what each scope gives.
SCOPES = {
    "cases:read": "list the cases shared with the agency and read them as the agency may",
    "cases:write": "open the agency's cases (one at a time or a file of them) and record incidents",
    "actions": "list the actions the agency owns and mark them done or cancelled",
    "risk:read": "read the risk assessments shared with the agency",
}
#: Roles that oversee the hub rather than work cases (separation of duties): a partner
#: system never acts as the account of someone holding one.
OVERSIGHT_ROLES = frozenset({Role.ADMINISTRATOR, Role.DPO})
#: How long an access token lasts.
TOKEN_LIFETIME = timedelta(minutes=10)
#: How long a request sent with an idempotency key is remembered, and the longest key.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
MAX_IDEMPOTENCY_KEY = 255


def _hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


@dataclass(frozen=True)
class Registered:
    client: ApiClient
    #: The secret, shown once to the operator registering the client; never stored.
    secret: str


def register(session: Session, *, user: User, name: str, scopes: list[str]) -> Registered:
    """Register a client acting as ``user`` (an active account of its agency, acting for
    no other live client) with ``scopes``; ``InputError`` naming what is wrong."""
    name = tidied(name)
    if not name or len(name) > 120:
        raise InputError("name", "Name the partner system in 1 to 120 characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InputError(
            "scope", f"Give one or more of the scopes {', '.join(SCOPES)} (not {unknown or 'none'})"
        )
    if not user.active:
        raise InputError("user", "The account the client acts as is disabled")
    oversight = " and ".join(sorted(r.label.lower() for r in user.roles & OVERSIGHT_ROLES))
    if oversight:
        article = "an" if oversight[0] in "aeiou" else "a"
        raise InputError(
            "user",
            f"This account is {article} {oversight}'s, which no call of the API "
            "serves and which sees no case: give the system an account of its own, with the "
            "casework roles it needs",
        )
    # Every act of a client is recorded as its account's: one system to an account, so
    # that the audit log tells one system's calls from another's.
    serving = session.scalar(
        select(ApiClient).where(ApiClient.user_id == user.id, ApiClient.revoked_at.is_(None))
    )
    if serving is not None:
        raise InputError(
            "user",
            f'This account already acts for the partner system "{serving.name}" '
            f"({serving.client_id}): give each system an account of its own, so that the "
            "audit log tells their calls apart, or revoke that client first",
        )
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"hub-{secrets.token_hex(8)}",
        secret_hash=_hash(secret),
        name=name,
        user_id=user.id,
        scopes=" ".join(sorted(set(scopes))),
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():  # the index settles two registrations at one moment
            session.add(client)
    except IntegrityError:
        raise InputError(
            "user", "This account already acts for another partner system, just registered"
        ) from None
    acts.record(
        session,
        acts.Action.API_CLIENT_ADD,
        subject=acts.Subject("api_client", client.id),
        user_id=None,
        agency_id=user.agency_id,
        basis=f"acting as user {user.id}, scopes {client.scopes}",
    )
    return Registered(client, secret)


def revoke(session: Session, client_id: str) -> ApiClient:
    """Revoke a client: it gets no more tokens and its tokens stop working at once."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        raise NotFound("no such API client")
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        acts.record(
            session,
            acts.Action.API_CLIENT_REVOKE,
            subject=acts.Subject("api_client", client.id),
            agency_id=client.user.agency_id,
        )
    return client


def new_secret(session: Session, client_id: str) -> Registered:
    """Give a client a new secret, as when the old one may have been seen: it keeps its
    id, scopes and account; the old secret and every token it got stop working at once.
    ``NotFound`` for no such client, ``InputError`` for one revoked."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        raise NotFound("no such API client")
    if client.revoked_at is not None:
        raise InputError(
            "client_id",
            f"API client {client_id} is revoked: register a new one with hub api clients add",
        )
    secret = secrets.token_urlsafe(32)
    client.secret_hash = _hash(secret)
    ended = session.execute(
        delete(ApiToken).where(ApiToken.client_pk == client.id),
        execution_options={"synchronize_session": False},
    )
    acts.record(
        session,
        acts.Action.API_CLIENT_ROTATE,
        subject=acts.Subject("api_client", client.id),
        agency_id=client.user.agency_id,
        basis=f"tokens ended {int(getattr(ended, 'rowcount', 0) or 0)}",
    )
    return Registered(client, secret)


def end_tokens(session: Session, user: User) -> int:
    """End the tokens of every client acting as ``user`` (their account disabled): they
    stop working at once, and enabling the account again does not bring them back. How
    many there were."""
    clients = select(ApiClient.id).where(ApiClient.user_id == user.id)
    ended = session.execute(
        delete(ApiToken).where(ApiToken.client_pk.in_(clients)),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def usable(client: ApiClient) -> bool:
    """Whether the client may act: not revoked, and its account still active."""
    return client.revoked_at is None and client.user.active


def find(session: Session, client_id: str) -> ApiClient | None:
    """The usable client with this id, or None (also for an id no client could have: a
    null byte or another control character, which PostgreSQL would not take)."""
    if has_control_characters(client_id):
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    return client if client is not None and usable(client) else None


def check_secret(client: ApiClient, secret: str) -> bool:
    """Whether ``secret`` is the client's (compared in constant time)."""
    return hmac.compare_digest(client.secret_hash, _hash(secret))


def refused_token(session: Session, client: ApiClient | None) -> None:
    """Record a refused request for a token (never the secret given)."""
    acts.record(
        session,
        acts.Action.API_TOKEN,
        outcome=acts.Outcome.REFUSED,
        subject=acts.Subject("api_client", client.id) if client else None,
        agency_id=client.user.agency_id if client else None,
        basis="wrong secret, or a client unknown or revoked",
    )


def refused_too_often(session: Session) -> None:
    """Record that a source is past its limit of refused requests for a token: the rest
    of the window's are refused without an entry each (never the address)."""
    acts.record(
        session,
        acts.Action.API_TOKEN,
        outcome=acts.Outcome.REFUSED,
        basis="too many refused requests for a token from one source: the rest of the "
        "window's are refused without an entry each",
    )


def record_token(session: Session, client: ApiClient, token: str, scopes: str) -> ApiToken:
    """Keep (the hash of) an access token issued to ``client`` with ``scopes``."""
    now = clock.now()
    record = ApiToken(
        token_hash=_hash(token),
        client_pk=client.id,
        scopes=scopes,
        issued_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    session.add(record)
    session.flush()
    acts.record(
        session,
        acts.Action.API_TOKEN,
        subject=acts.Subject("api_client", client.id),
        user_id=client.user_id,
        agency_id=client.user.agency_id,
        basis=f"scopes {scopes}",
    )
    return record


def valid_token(session: Session, token: str, now: datetime | None = None) -> ApiToken | None:
    """The record of a token that is still good: known, not expired, its client usable."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if record is None or record.expires_at <= (now or clock.now()) or not usable(record.client):
        return None
    return record


class KeyReused(ValueError):
    """An idempotency key sent again with a different request."""


@dataclass(frozen=True)
class Answer:
    """What a request sent with an idempotency key was answered."""

    status: int
    body: str
    location: str | None


def fingerprint(operation: str, body: bytes) -> bytes:
    """The digest an idempotency key's request is compared by."""
    return hashlib.sha256(operation.encode() + b"\n" + body).digest()


def claim(
    session: Session, client: ApiClient, key: str, operation: str, digest: bytes
) -> Answer | ApiIdempotencyKey:
    """The answer given to the client's earlier request with ``key`` within the window;
    else the key, claimed for this request in its transaction (``answered`` fills in its
    answer). The same request sent meanwhile waits at the claim for this one to end; then
    it gets this one's answer (or, if this one failed, claims the key itself). ``KeyReused``
    if the earlier request was a different one. The client's keys older than the window
    go."""
    now = clock.now()
    session.execute(
        delete(ApiIdempotencyKey).where(
            ApiIdempotencyKey.client_pk == client.id,
            ApiIdempotencyKey.created_at <= now - IDEMPOTENCY_WINDOW,
        )
    )
    earlier = _answer(session, client, key, operation, digest)
    if earlier is not None:
        return earlier
    claimed = ApiIdempotencyKey(
        client_pk=client.id,
        key=key,
        operation=operation,
        fingerprint=digest,
        status=0,
        answer="",
        created_at=now,
    )
    savepoint = session.begin_nested()
    try:
        session.add(claimed)
        session.flush()  # waits here while a request holding the same key is under way
    except IntegrityError:  # that request has its answer now
        savepoint.rollback()
        answer = _answer(session, client, key, operation, digest)
        assert answer is not None  # noqa: S101 - the key's uniqueness was just violated
        return answer
    savepoint.commit()
    return claimed


def _answer(
    session: Session, client: ApiClient, key: str, operation: str, digest: bytes
) -> Answer | None:
    earlier = session.scalar(
        select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.client_pk == client.id, ApiIdempotencyKey.key == key
        )
    )
    if earlier is None:
        return None
    if earlier.operation != operation or not hmac.compare_digest(earlier.fingerprint, digest):
        raise KeyReused(key)
    return Answer(earlier.status, earlier.answer, earlier.location)


def answered(session: Session, claimed: ApiIdempotencyKey, answer: Answer) -> None:
    """Keep the answer to the request that claimed the key (committed with it, or, for a
    request that failed, rolled back with it)."""
    claimed.status, claimed.answer, claimed.location = answer.status, answer.body, answer.location
    session.flush()
