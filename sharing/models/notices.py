"""Notices waiting to be sent, and sent: one per person and thing to tell them about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, UTCDateTime, enum_column
from sharing.models.meetings import MeetingSitting
from sharing.models.users import User
from sharing.vocabulary import NoticeKind


class Notice(Base):
    """A notice for one user: what kind, what it is about (a case's reference, a Community
    Trigger application's, or a partnership meeting's sitting) and the hub page it links
    to (never personal data), and when it was sent."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("kind", "user_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = enum_column(NoticeKind, "notice_kind")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The reference of the case the notice is about (of the Community Trigger application,
    #: for a recommendation); None for a notice about a sitting (``sitting_id``), and for
    #: one telling a partner its action is now on a restricted case (it no longer exists
    #: for them).
    reference: Mapped[str | None] = mapped_column(String(40))
    #: The partnership meeting's sitting a notice of its move or cancellation is about.
    sitting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_sittings.id", ondelete="CASCADE"), index=True
    )
    #: The hub page (e.g. /conferences/12) the notice links to.
    path: Mapped[str] = mapped_column(String(200))
    #: When the conference meets or the action falls due, if the notice names a moment.
    about: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Why the last attempt failed: the exception's type alone.
    failed_why: Mapped[str | None] = mapped_column(String(80))
    #: When a delivery took it to send it (``sharing.mail_delivery.claim``); None when none has.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    sitting: Mapped[MeetingSitting | None] = relationship()
