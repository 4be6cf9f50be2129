"""People who sign in to the hub: staff of a partner agency holding one or more roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column
from sharing.vocabulary import ROLES_REQUIRING_SECOND_FACTOR, Role, SessionEnd


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: Work e-mail address, stored lower-case; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Name shown to colleagues and partners (staff, not case data).
    display_name: Mapped[str] = mapped_column(String(120))
    #: Team within the agency (e.g. "North neighbourhood team"), for team case lists.
    team: Mapped[str | None] = mapped_column(String(120))
    #: argon2id hash of the password, in PHC string format.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: The authenticator (TOTP) secret once a second factor is set up, sealed under the key
    #: store (``sharing.crypto.authenticator_secrets``); None before.
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: A base32 secret set up before migration 0041 and not yet sealed: sealed into
    #: ``totp_sealed`` (and cleared) the first time it is used, or by ``hub keys seal-secrets``.
    totp_plain: Mapped[str | None] = mapped_column("totp_secret", String(64))
    #: The last TOTP time step accepted, so a code cannot be replayed.
    totp_last_step: Mapped[int | None]
    #: Changes whenever the password changes, so a sign-in half done (password given, code
    #: not yet) cannot be finished with the old password.
    session_token: Mapped[str] = mapped_column(String(64))
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def has_authenticator(self) -> bool:
        """Whether the user has set up an authenticator app (sealed, or not yet)."""
        return self.totp_sealed is not None or self.totp_plain is not None

    @property
    def second_factor_required(self) -> bool:
        return self.has_role(*ROLES_REQUIRING_SECOND_FACTOR)


class UserRole(Base):
    """One hub role held by a user, within the user's own agency."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = enum_column(Role, "role")

    user: Mapped[User] = relationship(back_populates="role_grants")


class SignInSession(Base):
    """One signed-in session, held on the server: the browser's cookie carries only its
    key, so ending the row here ends the session wherever the cookie has been copied.
    The key itself is never stored, only its SHA-256."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    #: How the user signed in ("password", "password and security code").
    method: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The last request, to the minute: the idle limit counts from here.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_why: Mapped[SessionEnd | None] = enum_column(SessionEnd, "session_end", nullable=True)
    #: The authenticator key the user is setting up under "Your account" in this session,
    #: sealed, until they confirm it (cleared then, and when the session ends).
    totp_set_up: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship()


class SignInStep(Base):
    """A sign-in half done: who the user is has been established (their password or their
    agency's provider), and the security code, or setting up the authenticator app, is
    still to come. Held on the server like a session: the browser's cookie carries only
    its key, whose SHA-256 is kept here. It lasts a few minutes."""

    __tablename__ = "sign_in_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    #: The user's session token at the first step: a password reset since then voids it.
    user_token: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: How the first step was taken ("password", "Test Homes account").
    method: Mapped[str] = mapped_column(String(40))
    #: The agency whose identity provider took the first step, if one did.
    provider: Mapped[str | None] = mapped_column(String(40))
    #: The page on the hub's own site to go to once signed in.
    next_page: Mapped[str] = mapped_column(Text)
    #: The authenticator key being set up at this sign-in, for roles that need one, sealed.
    totp_set_up: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship()


class SignInFailure(Base):
    """A failed sign-in (a wrong password or security code, an unknown address) from one
    source, to limit how many one source may make (``sharing.sign_in_limits``); or the
    mark that the first refusal of a window from that source was recorded. ``key`` is a
    keyed hash of the source (an IPv4 address or an IPv6 /64), never the address; rows
    are kept for the window only."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: True for the mark of a refusal recorded in the audit log (not a failure counted).
    refused: Mapped[bool] = mapped_column(default=False)


class PasswordLink(Base):
    """A one-time link e-mailed to a user to set their password: when an administrator adds
    them, or a manager or administrator sends a password reset link. The link carries a
    random token; only its SHA-256 is kept. It works once, until ``expires_at``, and is void
    once a newer link is sent, the account is disabled, or the password is set another way
    (``password_was`` no longer matches)."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the link's token (the token itself is only in the e-mail).
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    #: "new account" or "password reset": what the e-mail and the page say.
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: A keyed hash of the account's password hash when the link was sent: a password set
    #: any other way since (the operator's reset) voids the link.
    password_was: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the link is void ("a newer link was sent", "the account was disabled",
    #: "the e-mail could not be sent").
    voided_why: Mapped[str | None] = mapped_column(String(60))

    user: Mapped[User] = relationship()
