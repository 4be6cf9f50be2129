"""Information sharing protocols as the hub holds them: each version's file, its status
and its signatures; shares of cases made under them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column
from sharing.models.users import User
from sharing.vocabulary import ProtocolStatus, ShareOrigin, SuspensionReason

if TYPE_CHECKING:
    from sharing.models.cases import Case


class ProtocolRecord(Base):
    """One version of a protocol, imported from its file and signed in the hub."""

    __tablename__ = "protocols"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The protocol's id from its file, e.g. ``northshire-asb-case-management``.
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: The protocol file exactly as imported (it is what was signed).
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[ProtocolStatus] = enum_column(
        ProtocolStatus, "protocol_status", default=ProtocolStatus.DRAFT
    )
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the status last changed: access decisions reload the protocols after it.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    #: The version that replaced this one.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("protocols.id"))
    #: When the DPOs were told the review date had passed.
    review_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why a party's DPO suspended it (a choice; the audit entry names it too).
    suspension_reason: Mapped[SuspensionReason | None] = enum_column(
        SuspensionReason, "suspension_reason", nullable=True
    )
    #: The DPO's note for the other parties (kept here, never in the audit log).
    suspension_note: Mapped[str | None] = mapped_column(String(500))
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    suspended_by: Mapped[User | None] = relationship(foreign_keys=[suspended_by_id])
    signatures: Mapped[list[ProtocolSignature]] = relationship(
        back_populates="protocol",
        cascade="all, delete-orphan",
        order_by="ProtocolSignature.signed_at",
    )


class ProtocolSignature(Base):
    """A party agency's signature of a protocol version, by its signatory."""

    __tablename__ = "protocol_signatures"
    __table_args__ = (UniqueConstraint("protocol_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(
        ForeignKey("protocols.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    protocol: Mapped[ProtocolRecord] = relationship(back_populates="signatures")
    agency: Mapped[Agency] = relationship()
    signed_by: Mapped[User] = relationship()


class Share(Base):
    """The owning agency's act of sharing a case with a partner agency, under a protocol,
    for a purpose, until a date."""

    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The agency the case is shared with.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    #: The protocol purpose the share serves, e.g. ``asb_case_management``.
    purpose: Mapped[str] = mapped_column(String(60))
    #: Last day the share allows access.
    until: Mapped[date] = mapped_column(Date)
    origin: Mapped[ShareOrigin] = enum_column(
        ShareOrigin, "share_origin", default=ShareOrigin.MANUAL
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()
    agency: Mapped[Agency] = relationship()
    protocol: Mapped[ProtocolRecord] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
