"""Locking a case to its case officer, manager and named users (procedure 3.7): requests,
decided by a manager who is not the requester, and the users a lock lets in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case
from sharing.models.users import User
from sharing.vocabulary import LockReason, LockStatus


class LockRequest(Base):
    """A case officer's request to lock (or unlock) a case, decided by their manager."""

    __tablename__ = "lock_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: True for a request to lift a lock.
    unlock: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[LockReason] = enum_column(LockReason, "lock_reason")
    status: Mapped[LockStatus] = enum_column(
        LockStatus, "lock_status", default=LockStatus.REQUESTED
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The requester's explanation.
    note: Mapped[bytes | None] = personal("narrative")
    #: The deciding manager's reason for refusing (None for an approval, and for a
    #: refusal before migration 0090).
    decision_note: Mapped[bytes | None] = personal("narrative")

    case: Mapped[Case] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def sealed_under(self) -> Case:
        return self.case


class LockMember(Base):
    """A user a locked case stays visible to: its case officer, the approving manager, and
    anyone that manager names."""

    __tablename__ = "lock_members"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
