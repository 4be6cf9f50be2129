"""A partner agency's request to a case's owning agency for more of a case shared with
it than its share gives: what it asks for, why and by when, and the owner's answer (a
share made, or declined with a reason), or why it ended unanswered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Date, ForeignKey, String, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case
from sharing.models.protocols import Share
from sharing.models.users import User
from sharing.vocabulary import MoreRequestEnd


class MoreRequest(Base):
    """A partner's request for more of a case, and the owning agency's answer."""

    __tablename__ = "more_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The asking agency, and the live share it asked through.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The data categories asked for, comma-separated (names, not data).
    categories: Mapped[str] = mapped_column(String(200))
    #: The working day the answer is needed by.
    due_on: Mapped[date] = mapped_column(Date)
    #: Why the partner needs them.
    why: Mapped[bytes | None] = personal("narrative")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The share the owner made in answer; None for a request declined (or waiting).
    share_made_id: Mapped[int | None] = mapped_column(ForeignKey("shares.id"))
    #: The owner's reason for declining.
    decline_reason: Mapped[bytes | None] = personal("narrative")
    #: When and why it ended unanswered (the case closed, locked or erased, or the share
    #: asked through ended: ``sharing.cases.more_ending``); None while waiting or answered.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_because: Mapped[MoreRequestEnd | None] = enum_column(
        MoreRequestEnd, "more_request_end", nullable=True
    )

    case: Mapped[Case] = relationship()
    agency: Mapped[Agency] = relationship()
    share: Mapped[Share] = relationship(foreign_keys=[share_id])
    share_made: Mapped[Share | None] = relationship(foreign_keys=[share_made_id])
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @hybrid_property
    def waiting(self) -> bool:
        """Whether it still waits for the case's agency's answer: neither answered nor
        ended unanswered (in a query, the condition that says so)."""
        return self.answered_at is None and self.ended_at is None

    @waiting.inplace.expression
    @classmethod
    def _waiting(cls) -> ColumnElement[bool]:
        return and_(cls.answered_at.is_(None), cls.ended_at.is_(None))

    @property
    def asked_for(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]

    @property
    def sealed_under(self) -> Case:
        return self.case
