"""Risk on a case: Risk Assessment Matrix assessments of its victims and witnesses, changes
of its harm-centred triage, and the escalations its officer is prompted to consider.

Plain columns hold what statistics and work queues need (matrix version, stage, score,
band, dates, priorities); answers, reasons and notes are sealed under the case's key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case, Incident
from sharing.models.persons import Person
from sharing.models.users import User
from sharing.vocabulary import AssessmentStage, EscalationReason, Priority, RiskBand, Triage


class RiskAssessment(Base):
    """One Risk Assessment Matrix assessment of one person on a case, at one stage."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: The victim or witness assessed (a party of the case).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    #: Which matrix and which version of it was asked (``sharing/risk/matrices``).
    matrix_key: Mapped[str] = mapped_column(String(40))
    matrix_version: Mapped[int]
    stage: Mapped[AssessmentStage] = enum_column(AssessmentStage, "assessment_stage")
    #: The total score of the answers.
    score: Mapped[int]
    #: The band the score falls in under that version's cut-offs.
    score_band: Mapped[RiskBand] = enum_column(RiskBand, "risk_score_band")
    #: The band the officer settled on: the score's band, or another with a reason.
    band: Mapped[RiskBand] = enum_column(RiskBand, "risk_band")
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    #: Answers to the "risk" questions (history, support), JSON {question id: option}.
    risk_answers: Mapped[bytes | None] = personal("risk")
    #: Answers to the "vulnerability" questions (special category data), JSON likewise.
    vulnerability_answers: Mapped[bytes | None] = personal("vulnerability")
    #: Why the officer moved the band away from the score's (their judgement).
    adjustment_reason: Mapped[bytes | None] = personal("risk")
    #: What support and protection the person needs (referrals, security, contact).
    support_needs: Mapped[bytes | None] = personal("risk")

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    assessed_by: Mapped[User] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.case

    @property
    def adjusted(self) -> bool:
        return self.band is not self.score_band


class TriageChange(Base):
    """A change of a case's harm-centred priority or triage: who, when and why."""

    __tablename__ = "triage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    priority_from: Mapped[Priority] = enum_column(Priority, "priority_from")
    priority_to: Mapped[Priority] = enum_column(Priority, "priority_to")
    triage_from: Mapped[Triage] = enum_column(Triage, "triage_from")
    triage_to: Mapped[Triage] = enum_column(Triage, "triage_to")

    #: Why the officer changed it (may describe the people involved).
    reason: Mapped[bytes | None] = personal("risk")

    case: Mapped[Case] = relationship()
    changed_by: Mapped[User] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.case


class Escalation(Base):
    """A prompt to the case officer to consider a case conference, a safeguarding referral
    and sharing with the police, until they record that they have."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[EscalationReason] = enum_column(EscalationReason, "escalation_reason")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: The assessment that rose to high, or the hate incident, that raised it.
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_assessments.id", ondelete="CASCADE")
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    considered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    considered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    #: What the officer decided (conference, referral, sharing) and why.
    decision_note: Mapped[bytes | None] = personal("actions")

    case: Mapped[Case] = relationship()
    incident: Mapped[Incident | None] = relationship()
    considered_by: Mapped[User | None] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.case
