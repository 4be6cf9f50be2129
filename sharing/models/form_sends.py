"""Forms that make a record, each accepted once: the one-time token a form was sent
with, and where what it made can be seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sharing.models.base import Base, UTCDateTime


class FormSend(Base):
    """A form sent with a one-time token, and the page of what it made, so that the same
    form sent again (a double click, Back and send) makes nothing more and goes there.
    Kept for a day; holds no personal data (the token is random, the page an address of
    identifiers)."""

    __tablename__ = "form_sends"
    __table_args__ = (UniqueConstraint("user_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The random token the form was shown with.
    token: Mapped[str] = mapped_column(String(64))
    #: The page of what the form made (a path of this site, e.g. "/cases/12#incidents");
    #: empty while the send that claimed the token is under way.
    made: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
