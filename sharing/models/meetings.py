"""Partnership meetings: a standing group that sits regularly, with its standing members,
its sittings, each case on a sitting's agenda brought as a conference of its own
(``sharing.models.conferences``), what the agenda holds beyond what it lists of itself,
the apologies sent for a sitting itself, and who chaired a sitting and were its members
as it was held or cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.agencies import Agency, Area
from sharing.models.base import Base, LastChanged, UTCDateTime, enum_column
from sharing.models.conferences import Conference
from sharing.models.protocols import ProtocolRecord
from sharing.models.users import User
from sharing.vocabulary import Cadence, SittingCancelReason


class MeetingSeries(LastChanged, Base):
    """A partnership meeting (an ASB problem-solving group, a CSP tasking meeting): set up
    by an agency of the area, chaired, sitting regularly, with standing members. Its name,
    dates and members are about the partnership's staff, never the people on its cases."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    #: The agency that set it up (its chairs and managers schedule sittings).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str] = mapped_column(String(120))
    cadence: Mapped[Cadence] = enum_column(Cadence, "cadence")
    #: The protocol and purpose each case on its agenda is shared under.
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    purpose: Mapped[str] = mapped_column(String(60))
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    place: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    set_up_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_up_at: Mapped[datetime] = mapped_column(UTCDateTime)

    area: Mapped[Area] = relationship()
    agency: Mapped[Agency] = relationship()
    protocol: Mapped[ProtocolRecord] = relationship()
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    members: Mapped[list[SeriesMember]] = relationship(
        back_populates="series", order_by="SeriesMember.id"
    )
    sittings: Mapped[list[MeetingSitting]] = relationship(
        back_populates="series", order_by="MeetingSitting.starts_at"
    )


class SeriesMember(Base):
    """A standing member of a partnership meeting: invited, with their agency, to every
    case brought to it."""

    __tablename__ = "meeting_series_members"
    __table_args__ = (UniqueConstraint("series_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    series: Mapped[MeetingSeries] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class MeetingSitting(LastChanged, Base):
    """One sitting of a partnership meeting; each case on its agenda is a conference. Its
    chair or organising agency may move it (``LastChanged``: who moved it last) or cancel
    it until it is held."""

    __tablename__ = "meeting_sittings"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was cancelled, by whom and why (none while it stands).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[SittingCancelReason | None] = enum_column(
        SittingCancelReason, "sitting_cancel_reason", nullable=True
    )
    #: The canceller's note to the members: about the sitting, never the people on its cases.
    cancel_note: Mapped[str | None] = mapped_column(String(500))
    #: Who chaired it, kept as it was held or cancelled (with ``members``); none while it
    #: is to come, when the meeting's chair and members are its own.
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    series: Mapped[MeetingSeries] = relationship(back_populates="sittings")
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    members: Mapped[list[SittingMember]] = relationship(
        back_populates="sitting", order_by="SittingMember.id"
    )
    conferences: Mapped[list[Conference]] = relationship(
        back_populates="sitting", order_by="Conference.id", foreign_keys="Conference.sitting_id"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="sitting", order_by="AgendaItem.id"
    )
    apologies: Mapped[list[SittingApology]] = relationship(
        back_populates="sitting", order_by="SittingApology.id"
    )

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class SittingMember(Base):
    """A standing member of the meeting as its sitting was held or cancelled (kept with
    the sitting's ``chair``), so that the sitting names them after the members change."""

    __tablename__ = "meeting_sitting_members"
    __table_args__ = (UniqueConstraint("sitting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_sittings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    sitting: Mapped[MeetingSitting] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class AgendaItem(Base):
    """What a sitting's agenda holds beyond what it lists of itself, or where an item sits
    in the order its coordinator set. ``key`` names the item: a standing one
    (``apologies``, ``actions``, ``business``), a case by its conference (``case-12``), the
    partnership's figures pack (``figures``: attached while this row is there), or
    ``text``, an item in the coordinator's own words."""

    __tablename__ = "sitting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_sittings.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    #: Where it comes in the agenda's order (lowest first).
    position: Mapped[int]
    #: The coordinator's words (``text`` items): the meeting's business, never the people
    #: on its cases, as the agenda goes to every agency invited.
    text: Mapped[str | None] = mapped_column(String(200))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sitting: Mapped[MeetingSitting] = relationship(back_populates="agenda_items")


class SittingApology(Base):
    """An agency, or someone of it by name, sending apologies for a sitting itself (beside
    the apologies recorded at its cases' conferences): recorded by its coordinator, or by
    someone of that agency, one of the meeting's members' agencies."""

    __tablename__ = "sitting_apologies"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_sittings.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: The person sending apologies, as typed (the partnership's staff, never the people
    #: on its cases); none when the agency sends them.
    name: Mapped[str | None] = mapped_column(String(100))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sitting: Mapped[MeetingSitting] = relationship(back_populates="apologies")
    agency: Mapped[Agency] = relationship()
