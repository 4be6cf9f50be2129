"""Partner systems that call the hub's API: each a client of one agency, acting as one of
that agency's accounts, and the short-lived access tokens issued to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, UTCDateTime
from sharing.models.users import User


class ApiClient(Base):
    """A partner system registered by the hub's operator (``hub api clients add``)."""

    __tablename__ = "api_clients"
    #: One live client to an account (``sharing.api_clients.register`` says so first): the
    #: log records a client's calls as its account's acts, so the account tells them apart.
    __table_args__ = (
        Index(
            "uq_api_clients_live_user",
            "user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The identifier the system sends with its secret; not secret itself.
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    #: SHA-256 of the secret (a random 256-bit value, so a fast hash suffices).
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    name: Mapped[str] = mapped_column(String(120))
    #: The account of the agency the system acts as: its roles decide what it may do and
    #: its name is on the audit entries of everything it does.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: What it may ask for, space-separated (``sharing.api_clients.SCOPES``).
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """An access token issued to a client: only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient] = relationship()


class ApiIdempotencyKey(Base):
    """A request a client sent with an ``Idempotency-Key``, and the answer it was given,
    so that the same request sent again (a retry after a lost answer) gets that answer and
    does nothing more. Only the request's SHA-256 and the answer's identifiers are kept."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("client_pk", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    key: Mapped[str] = mapped_column(String(255))
    #: What the request was for (e.g. "POST /api/v1/cases") and a digest of its body.
    operation: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    status: Mapped[int]
    #: The answer's body (identifiers and references, never case data) and location.
    answer: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
