"""Case conferences: a multi-agency meeting about a case, the agencies invited to it (each
invitation a share of the case under the conference's protocol and purpose), its named
attendees, the information asked of each agency, its minutes and its decisions. A case
on a partnership meeting's agenda is a conference too (``sharing.models.meetings``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Date, ForeignKey, String, UniqueConstraint, and_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.agencies import Agency
from sharing.models.base import Base, LastChanged, UTCDateTime, enum_column, personal
from sharing.models.cases import Case
from sharing.models.protocols import ProtocolRecord, Share
from sharing.models.users import User
from sharing.vocabulary import (
    ActionKind,
    Attendance,
    ConferenceCancelReason,
    ConferenceStatus,
    DecisionKind,
    MinutesStatus,
)

if TYPE_CHECKING:
    from sharing.models.meetings import MeetingSitting


class Conference(LastChanged, Base):
    """A case conference, convened by the case's owning agency (``LastChanged``: who
    changed it last, moved it with its sitting or gave it a new chair)."""

    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The protocol and purpose the conference runs under (its invitations' shares).
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    purpose: Mapped[str] = mapped_column(String(60))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Where it meets (a room, an office): staff premises, not personal data.
    place: Mapped[str | None] = mapped_column(String(200))
    video_link: Mapped[str | None] = mapped_column(String(500))
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ConferenceStatus] = enum_column(
        ConferenceStatus, "conference_status", default=ConferenceStatus.PLANNED
    )
    #: Days after the meeting its invitations' shares last.
    share_days: Mapped[int]
    convened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    convened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The escalation prompt it was convened from, if any.
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL")
    )
    #: The partnership meeting's sitting it is on the agenda of, if any.
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_sittings.id"), index=True)
    #: The sitting it was taken off (cancelled, the sitting going on without it), whose
    #: page says so where the notice of it links.
    taken_off_sitting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_sittings.id"), index=True
    )
    #: When its time, place or video link last changed on its own page, which the notice
    #: of the move links to (``meeting_notices.moved_anchor``): not its last change of any kind.
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was cancelled and by whom (none while planned or held); why, when cancelled
    #: on its own or with its case (none when cancelled with its sitting: the sitting's).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[ConferenceCancelReason | None] = enum_column(
        ConferenceCancelReason, "conference_cancel_reason", nullable=True
    )
    #: The canceller's note, for the convening agency alone (it may name the people).
    cancel_note: Mapped[str | None] = mapped_column(String(500))

    #: Where its minutes are (None until the first is written), and who agreed them.
    minutes_status: Mapped[MinutesStatus | None] = enum_column(
        MinutesStatus, "minutes_status", nullable=True
    )
    minutes_circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    #: The question the conference is to decide, and its agenda (they name the people).
    question: Mapped[bytes | None] = personal("narrative")
    agenda: Mapped[bytes | None] = personal("narrative")

    case: Mapped[Case] = relationship()
    protocol: Mapped[ProtocolRecord] = relationship()
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    convened_by: Mapped[User] = relationship(foreign_keys=[convened_by_id])
    minutes_agreed_by: Mapped[User | None] = relationship(foreign_keys=[minutes_agreed_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    invitations: Mapped[list[ConferenceInvitation]] = relationship(
        back_populates="conference", order_by="ConferenceInvitation.id"
    )
    attendees: Mapped[list[ConferenceAttendee]] = relationship(
        back_populates="conference", order_by="ConferenceAttendee.id"
    )
    requests: Mapped[list[InformationRequest]] = relationship(
        back_populates="conference", order_by="InformationRequest.id"
    )
    minutes: Mapped[list[MinuteItem]] = relationship(
        back_populates="conference", order_by="MinuteItem.id"
    )
    decisions: Mapped[list[ConferenceDecision]] = relationship(
        back_populates="conference", order_by="ConferenceDecision.id"
    )
    sitting: Mapped[MeetingSitting | None] = relationship(
        back_populates="conferences", foreign_keys=[sitting_id]
    )
    taken_off_sitting: Mapped[MeetingSitting | None] = relationship(
        foreign_keys=[taken_off_sitting_id]
    )

    @property
    def sealed_under(self) -> Case:
        return self.case

    @property
    def at_the_table(self) -> set[int]:
        """The agencies at the conference: the convening agency and those whose invitation
        stands (``ConferenceInvitation.stands``)."""
        today = clock.today()
        return {self.case.agency_id} | {i.agency_id for i in self.invitations if i.stands(today)}

    @property
    def expected(self) -> list[ConferenceAttendee]:
        """The people named to attend whose agency is still at the table (an agency whose
        invitation was withdrawn is no longer expected, nor told of the minutes)."""
        table = self.at_the_table
        return [a for a in self.attendees if a.user.agency_id in table]

    @property
    def on_the_record(self) -> list[ConferenceAttendee]:
        """The meeting's attendance: everyone whose attendance was recorded, whatever
        became of their agency's invitation since (the minutes keep who came), and the
        people still expected."""
        expected = {a.id for a in self.expected}
        return [a for a in self.attendees if a.attendance is not None or a.id in expected]

    def chaired_from(self, agency_id: int) -> bool:
        """Whether its chair is of the agency ``agency_id`` and it is not over (its minutes
        not yet agreed, nor it cancelled): that agency's invitation and share stay while
        so, or the chair could neither open it nor agree its minutes."""
        over = self.status is ConferenceStatus.CANCELLED or (
            self.minutes_status is MinutesStatus.AGREED
        )
        return not over and self.chair.agency_id == agency_id

    @property
    def shares_until(self) -> date:
        """The last day its invitations' shares last (``share_days`` after the meeting),
        and so the last day a chair who reads it through its purpose may open it."""
        return clock.day_of(self.starts_at) + timedelta(days=self.share_days)

    @property
    def chair_reads_until(self) -> date:
        """The last day a chair who reads it through its purpose (a conference chair of
        the convening agency whose roles do not work the case) may open it:
        ``shares_until``, as for an invited chair; none once it is cancelled, when its
        invitations' shares ended at once."""
        if self.status is ConferenceStatus.CANCELLED:
            return date.min
        return self.shares_until

    @property
    def shares_end(self) -> date:
        """The day its invitations' shares end: ``shares_until``, or its protocol's end if
        that comes first (a share never outlasts its protocol)."""
        return min(self.shares_until, self.protocol.end_on)


class ConferenceInvitation(Base):
    """An agency invited to a conference, and the share the invitation created."""

    __tablename__ = "conference_invitations"
    __table_args__ = (UniqueConstraint("conference_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    conference: Mapped[Conference] = relationship(back_populates="invitations")
    agency: Mapped[Agency] = relationship()
    # Loaded with the invitation: whether it stands (``stands``) is asked of nearly every
    # invitation read, and a list of conferences would otherwise read each share alone.
    share: Mapped[Share] = relationship(lazy="joined")

    def stands(self, today: date) -> bool:
        """Whether the invitation stands: not withdrawn, and its share neither revoked (from
        the case's shares as well as by "Withdraw") nor ended."""
        return (
            self.withdrawn_at is None
            and self.share.revoked_at is None
            and today <= self.share.until
        )

    @staticmethod
    def standing(today: date) -> ColumnElement[bool]:
        """``stands`` as a condition on ``ConferenceInvitation``, for lists and counts."""
        live = select(Share.id).where(Share.revoked_at.is_(None), Share.until >= today)
        return and_(
            ConferenceInvitation.withdrawn_at.is_(None), ConferenceInvitation.share_id.in_(live)
        )


class InformationRequest(Base):
    """What the convenor asks an invited agency before the conference, and its answer:
    each part sealed under the case, under its data category."""

    __tablename__ = "information_requests"
    __table_args__ = (UniqueConstraint("conference_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Whether the case or its people are known to the agency (not personal data alone).
    known: Mapped[bool | None]

    incidents_note: Mapped[bytes | None] = personal("narrative")
    risk_note: Mapped[bytes | None] = personal("risk")
    vulnerability_note: Mapped[bytes | None] = personal("vulnerability")
    offending_note: Mapped[bytes | None] = personal("offending")
    actions_note: Mapped[bytes | None] = personal("actions")
    concerns_note: Mapped[bytes | None] = personal("narrative")

    conference: Mapped[Conference] = relationship(back_populates="requests")
    agency: Mapped[Agency] = relationship()
    answered_by: Mapped[User | None] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.conference.case


class ConferenceAttendee(Base):
    """A named person expected at a conference (of the convening or an invited agency)."""

    __tablename__ = "conference_attendees"
    __table_args__ = (UniqueConstraint("conference_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Whether they came (None until the attendance is recorded), and who came instead.
    attendance: Mapped[Attendance | None] = enum_column(Attendance, "attendance", nullable=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    conference: Mapped[Conference] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    deputy: Mapped[User | None] = relationship(foreign_keys=[deputy_id])


class MinuteItem(Base):
    """The minute of one agenda item: its heading and what was discussed, sealed under
    the case (they name the people)."""

    __tablename__ = "conference_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)

    heading: Mapped[bytes | None] = personal("narrative")
    discussion: Mapped[bytes | None] = personal("narrative")

    conference: Mapped[Conference] = relationship(back_populates="minutes")
    written_by: Mapped[User] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.conference.case


class ConferenceDecision(Base):
    """A decision of the conference: what, which tool and which agency acts (for legal
    action), the proportionality, evidence and vulnerability considerations (003 §3.12),
    and any dissent, each sealed under its data category."""

    __tablename__ = "conference_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DecisionKind] = enum_column(DecisionKind, "decision_kind")
    #: For legal action: the tool (one of the legal action kinds).
    tool: Mapped[ActionKind | None] = enum_column(ActionKind, "action_kind", nullable=True)
    acting_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    dissenting_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)

    decision: Mapped[bytes | None] = personal("narrative")
    proportionality: Mapped[bytes | None] = personal("narrative")
    evidence: Mapped[bytes | None] = personal("narrative")
    vulnerability: Mapped[bytes | None] = personal("vulnerability")
    dissent: Mapped[bytes | None] = personal("narrative")

    conference: Mapped[Conference] = relationship(back_populates="decisions")
    acting_agency: Mapped[Agency | None] = relationship(foreign_keys=[acting_agency_id])
    dissenting_agency: Mapped[Agency | None] = relationship(foreign_keys=[dissenting_agency_id])
    written_by: Mapped[User] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.conference.case
