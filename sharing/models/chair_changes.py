"""A case conference's changes of chair on its own page: who changed it, from whom to
whom, when and why (a reason from the list: nothing about the chair's circumstances), or
that it changed with its partnership meeting's chair, naming the meeting."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, UTCDateTime, enum_column
from sharing.models.users import User
from sharing.vocabulary import ChairChangeReason

if TYPE_CHECKING:
    from sharing.models.meetings import MeetingSeries


class ChairChange(Base):
    """One change of a conference's chair, as its page lists it."""

    __tablename__ = "conference_chair_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chair_from_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chair_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Why, as the form offered it (``ChairChangeReason``), or ``MEETING_CHAIR``.
    reason: Mapped[ChairChangeReason] = enum_column(ChairChangeReason, "chair_change_reason")
    #: The partnership meeting whose chair changed, for ``MEETING_CHAIR``.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL")
    )

    changed_by: Mapped[User] = relationship(foreign_keys=[changed_by_id])
    chair_from: Mapped[User] = relationship(foreign_keys=[chair_from_id])
    chair_to: Mapped[User] = relationship(foreign_keys=[chair_to_id])
    series: Mapped[MeetingSeries | None] = relationship()
