"""The complainant's satisfaction survey at a case's closure: how it was offered, each
answer on the five-point scale (plain, so figures count them without opening anything),
any comment (sealed under the case), and the follow-up action a dissatisfied answer
opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, String, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Action, Case
from sharing.vocabulary import Satisfaction, SurveyChannel


class ClosureSurvey(Base):
    """The survey offered at a case's closure (one a case)."""

    __tablename__ = "closure_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), unique=True, index=True
    )
    #: The survey (id and version of the questions file) it was asked under.
    survey_key: Mapped[str] = mapped_column(String(80))
    survey_version: Mapped[int]
    channel: Mapped[SurveyChannel] = enum_column(SurveyChannel, "survey_channel")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The answer to the survey's overall question (the satisfaction figure), if answered.
    overall: Mapped[Satisfaction | None] = enum_column(Satisfaction, "satisfaction", nullable=True)
    #: Offered by a link: a hash of its secret part (never the link) and when it stops
    #: working; when the complainant answered online.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The action a dissatisfied answer opened.
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    #: Anything the complainant said, in their words.
    comment: Mapped[bytes | None] = personal("outcome")

    case: Mapped[Case] = relationship()
    follow_up: Mapped[Action | None] = relationship()
    answers: Mapped[list[ClosureSurveyAnswer]] = relationship(
        back_populates="survey", order_by="ClosureSurveyAnswer.question"
    )

    @property
    def sealed_under(self) -> Case:
        return self.case

    @hybrid_property
    def answered_when(self) -> datetime:
        """When the answers came: online, when the complainant answered the link (not
        when it was offered); in person or by phone, when they were recorded. The
        figures count a survey in the period it was answered."""
        return self.answered_at or self.recorded_at

    @answered_when.inplace.expression
    @classmethod
    def _answered_when(cls) -> ColumnElement[datetime]:
        return func.coalesce(cls.answered_at, cls.recorded_at)


class ClosureSurveyAnswer(Base):
    """One question's answer."""

    __tablename__ = "closure_survey_answers"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("closure_surveys.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(40), primary_key=True)
    answer: Mapped[Satisfaction] = enum_column(Satisfaction, "satisfaction")

    survey: Mapped[ClosureSurvey] = relationship(back_populates="answers")
