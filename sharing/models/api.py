"""Partner systems that call the hub's API: each a client of one agency, acting as one of
that agency's accounts, and the short-lived access tokens issued to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, UTCDateTime
from sharing.models.users import User


class ApiClient(Base):
    """A partner system registered by the hub's operator (``hub api clients add``)."""

    __tablename__ = "api_clients"

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
