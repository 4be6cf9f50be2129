"""Cases and what happens on them: parties, incidents, actions and interventions.

Plain columns hold what statistics and work queues need (identifiers, agency, category,
priority, status, dates, ward); everything that identifies or describes a person is a
sealed column (``personal``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.agencies import Agency, Ward
from sharing.models.base import Base, LastChanged, UTCDateTime, enum_column, personal
from sharing.models.keys import DataKey
from sharing.models.persons import Person
from sharing.models.users import User

if TYPE_CHECKING:
    from sharing.models.risk import RiskAssessment
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseCategory,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    ContactMethod,
    Intervention,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    ReviewDecision,
    Triage,
)

#: The longest case reference.
MAX_REFERENCE = 32


class Case(Base):
    """One ASB problem owned by one agency."""

    __tablename__ = "cases"
    __table_args__ = (
        # The case list: an agency's cases newest first, with the lock check and every
        # filter, so the count and the page are read from the index alone.
        Index(
            "ix_cases_list",
            "agency_id",
            "opened_at",
            "id",
            "locked",
            "status",
            "priority",
            "category",
            "officer_id",
            "ward_id",
        ),
        UniqueConstraint("agency_id", "external_reference", name="uq_cases_external_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The owning agency's reference, e.g. ``NGH-2026-00042``; not personal data.
    reference: Mapped[str] = mapped_column(String(MAX_REFERENCE), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: For a case imported from the agency's own system, its reference there (unique in
    #: the agency, so importing the same file again leaves it alone); not personal data.
    external_reference: Mapped[str | None] = mapped_column(String(60))
    #: The case officer who owns the case within the agency.
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[CaseCategory] = enum_column(CaseCategory, "case_category")
    priority: Mapped[Priority] = enum_column(Priority, "priority")
    triage: Mapped[Triage] = enum_column(Triage, "triage")
    hate_motivated: Mapped[bool] = mapped_column(default=False)
    #: The protected characteristic a hate-motivated case is about.
    protected_characteristic: Mapped[ProtectedCharacteristic | None] = enum_column(
        ProtectedCharacteristic, "protected_characteristic", nullable=True
    )
    status: Mapped[CaseStatus] = enum_column(CaseStatus, "case_status", default=CaseStatus.ACTIVE)
    closure_reason: Mapped[ClosureReason | None] = enum_column(
        ClosureReason, "closure_reason", nullable=True
    )
    #: At closure: whether the behaviour was resolved, and the main action that resolved it.
    closure_outcome: Mapped[ClosureOutcome | None] = enum_column(
        ClosureOutcome, "closure_outcome", nullable=True
    )
    resolved_by: Mapped[Intervention | None] = enum_column(
        Intervention, "intervention", nullable=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the case is next due for review (at least monthly, procedure 3.11).
    review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: When the victims' and witnesses' risk assessments are next due: at the outset of a
    #: red case, a set interval after each assessment, and at every change of priority.
    risk_review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The last day the officer was in touch with the complainant, from the case reviews.
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    #: The working day first contact with the complainant is due by, as the
    #: acknowledgement letter promises (``sharing.cases.first_contact``); None when it
    #: could not be counted.
    first_contact_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The day the officer first recorded being in touch with the complainant (the first
    #: risk assessment, or the first day of contact a review records).
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    #: Set when the case is erased; its sealed values are then unreadable.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Locked: visible only to its lock members (``sharing.models.locks``); everyone else
    #: is told it does not exist.
    locked: Mapped[bool] = mapped_column(default=False, index=True)
    #: The key this case's values (and its incidents', actions' and lock requests') are
    #: sealed under (``sharing.crypto.sealing``).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))

    #: Where the ASB happens: address lines without the postcode.
    address: Mapped[bytes | None] = personal("location")
    postcode: Mapped[bytes | None] = personal("location")
    #: Unique Property Reference Number of the address, when known.
    uprn: Mapped[bytes | None] = personal("location")
    #: What the problem is, in the officer's words.
    summary: Mapped[bytes | None] = personal("narrative")
    #: Why the case was closed, beyond the listed reason.
    closure_note: Mapped[bytes | None] = personal("outcome")

    agency: Mapped[Agency] = relationship()
    data_key: Mapped[DataKey | None] = relationship()
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    ward: Mapped[Ward | None] = relationship()
    parties: Mapped[list[CaseParty]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseParty.id"
    )
    incidents: Mapped[list[Incident]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Incident.occurred_at"
    )
    reviews: Mapped[list[CaseReview]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseReview.reviewed_at"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Action.id"
    )

    @property
    def sealed_under(self) -> Case:
        """The record whose data key seals this one's values."""
        return self


class CaseParty(Base):
    """A person's part in a case: victim, reporter, witness or reported person."""

    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[PartyRole] = enum_column(PartyRole, "party_role")

    case: Mapped[Case] = relationship(back_populates="parties")
    person: Mapped[Person] = relationship(back_populates="parties")


class Incident(Base):
    """One reported occurrence; what the Community Trigger threshold counts."""

    __tablename__ = "incidents"
    #: A case's timeline, latest first, a page at a time, without sorting all of it.
    __table_args__ = (Index("ix_incidents_timeline", "case_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: When the behaviour happened.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The day the report was made to the agency, when it was not the day it was recorded
    #: (an officer writing up a report later, a case brought from another system); None:
    #: reported the day it was recorded (see ``reported_day``).
    reported_on: Mapped[date | None] = mapped_column(Date)
    #: Who reported it; None for an anonymous report or something staff saw themselves.
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    #: The agency the report was made to (may differ from the case's owner).
    received_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    reported_to_police: Mapped[bool] = mapped_column(default=False)
    hate_related: Mapped[bool] = mapped_column(default=False)

    #: Where it happened.
    place: Mapped[bytes | None] = personal("location")
    #: What happened, in the reporter's or officer's words.
    description: Mapped[bytes | None] = personal("narrative")
    #: Police crime reference number, when reported as a crime.
    crime_reference: Mapped[bytes | None] = personal("offending")

    case: Mapped[Case] = relationship(back_populates="incidents")
    reported_by: Mapped[Person | None] = relationship()
    received_by: Mapped[Agency] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.case

    @property
    def reported_day(self) -> date:
        """The day the complaint was made: what the Community Trigger counts from."""
        return self.reported_on or clock.day_of(self.recorded_at)


class Action(LastChanged, Base):
    """An action or intervention on a case, owned by an agency, with a due date."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActionKind] = enum_column(ActionKind, "action_kind")
    status: Mapped[ActionStatus] = enum_column(
        ActionStatus, "action_status", default=ActionStatus.OPEN
    )
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: The person in the owning agency responsible, when one is named.
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The case conference that agreed it, if one did.
    conference_id: Mapped[int | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="SET NULL")
    )
    #: Who marked it done or cancelled, and when.
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Cancelled because its case closed while it was open (by whoever closed the case,
    #: at the closing), not by anyone's decision on the action itself.
    closed_with_case: Mapped[bool] = mapped_column(default=False, server_default=false())

    #: What is to be done, and any notes on it.
    description: Mapped[bytes | None] = personal("actions")
    #: What was done (when done), or why it was cancelled.
    outcome_note: Mapped[bytes | None] = personal("actions")

    case: Mapped[Case] = relationship(back_populates="actions")
    owner_agency: Mapped[Agency] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def sealed_under(self) -> Case:
        return self.case

    @property
    def status_label(self) -> str:
        """Its status as people read it: "Closed with the case" for one closed by its
        case's closing."""
        return "Closed with the case" if self.closed_with_case else self.status.label


class OfficerChange(Base):
    """A case given to another officer of its agency by a manager: who from, who to, who
    gave it, when, and how many of the previous officer's open actions on it went too."""

    __tablename__ = "officer_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    officer_from_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    officer_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actions_moved: Mapped[int] = mapped_column(default=0)

    changed_by: Mapped[User] = relationship(foreign_keys=[changed_by_id])
    officer_from: Mapped[User] = relationship(foreign_keys=[officer_from_id])
    officer_to: Mapped[User] = relationship(foreign_keys=[officer_to_id])


class CaseReview(Base):
    """One review of a case by its officer (003 §3.11: at least monthly, with the action
    plan's progress and contact with the complainant)."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: How and when the officer was last in touch with the complainant (None: not reached).
    contact_method: Mapped[ContactMethod | None] = enum_column(
        ContactMethod, "contact_method", nullable=True
    )
    contacted_on: Mapped[date | None] = mapped_column(Date)
    #: The risk assessment this review made, or None when the officer found no change.
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_assessments.id", ondelete="SET NULL")
    )
    decision: Mapped[ReviewDecision] = enum_column(ReviewDecision, "review_decision")
    #: The review found nothing happening on the case, and left it open but inactive
    #: (procedure 001 §5); a new incident makes it active again.
    inactive: Mapped[bool] = mapped_column(default=False, server_default=false())
    next_review_on: Mapped[date | None] = mapped_column(Date)

    #: Progress against the action plan.
    progress: Mapped[bytes | None] = personal("actions")
    #: Why the risk is unchanged, when no new assessment was made.
    risk_note: Mapped[bytes | None] = personal("risk")
    #: Why the complainant could not be reached, when they were not.
    contact_note: Mapped[bytes | None] = personal("actions")

    case: Mapped[Case] = relationship(back_populates="reviews")
    reviewed_by: Mapped[User] = relationship()
    assessment: Mapped[RiskAssessment | None] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.case
