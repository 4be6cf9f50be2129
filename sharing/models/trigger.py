"""Community Trigger (ASB Case Review) applications, recorded by the lead agency, with the
victim's and any third party's details sealed under the application's own data key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case
from sharing.models.keys import DataKey
from sharing.models.meetings import MeetingSitting
from sharing.models.users import User
from sharing.vocabulary import (
    AppealDecision,
    CaseRequestAnswer,
    LetterKind,
    OnBehalf,
    ThresholdDecision,
    TriggerChannel,
    VictimKind,
)


class TriggerApplication(Base):
    """An application for an ASB Case Review, from receipt through the threshold decision,
    the review panel and its outcome, to any appeal."""

    __tablename__ = "trigger_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. ``ASBR-2026-7KQ4MX``: given to the applicant, names nobody, counts nothing.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: The procedure (id and version) the application is handled under.
    procedure_key: Mapped[str] = mapped_column(String(80))
    procedure_version: Mapped[int]
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[TriggerChannel] = enum_column(TriggerChannel, "trigger_channel")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    victim_kind: Mapped[VictimKind] = enum_column(VictimKind, "victim_kind")
    #: Who applied for the victim (None: the victim applied), and whether the victim's
    #: consent to that was recorded.
    on_behalf: Mapped[OnBehalf | None] = enum_column(OnBehalf, "on_behalf", nullable=True)
    consent_recorded: Mapped[bool] = mapped_column(default=False)
    #: Sent on the public form: the token of the "check your answers" page it was sent
    #: from, so the same page sent again (a double click, Back) is this application again.
    sent_with: Mapped[str | None] = mapped_column(String(64), unique=True)

    #: The lead's threshold decision, when made; the rules' advice then, as counts only
    #: ("three-complaints 2 of 3; ..."), and who decided.
    decision: Mapped[ThresholdDecision | None] = enum_column(
        ThresholdDecision, "threshold_decision", nullable=True
    )
    advice: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A "not met" decision the appeal body upheld an appeal against, once the lead has
    #: decided again (``sharing.trigger.decided_again``): when it was made and by whom
    #: (None: decided once). Its reasons are ``first_decision_reasons``.
    first_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The rules whose count was met when the lead decided (ids, comma-separated), and
    #: "discretion" for a decision met by discretion: counts for the published figures.
    rules_met: Mapped[str | None] = mapped_column(String(200))
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))

    #: The review panel: the sitting of the area's review panel it is heard at.
    review_sitting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_sittings.id"), index=True
    )
    review_convened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_convened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The outcome: the date of the letter telling the applicant, and who recorded it.
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The appeal: when the applicant asked, and the appeal body's decision and date.
    appeal_received_on: Mapped[date | None] = mapped_column(Date)
    appeal_decision: Mapped[AppealDecision | None] = enum_column(
        AppealDecision, "appeal_decision", nullable=True
    )
    appeal_decided_on: Mapped[date | None] = mapped_column(Date)
    #: The day the applicant withdrew their appeal: it ended without a decision.
    appeal_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    #: Set when the application's personal data is erased (its data key destroyed, at the
    #: end of its retention or on an erasure request); what the figures count stays.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Closed without a decision or review of its own: the day the applicant withdrew
    #: it, or the application it duplicates (the same victim applying twice, or two of a
    #: household about the same problem); when that was recorded, and by whom.
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("trigger_applications.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    victim_given_names: Mapped[bytes | None] = personal("identity")
    victim_family_name: Mapped[bytes | None] = personal("identity")
    victim_date_of_birth: Mapped[bytes | None] = personal("identity")
    victim_phone: Mapped[bytes | None] = personal("contact")
    victim_email: Mapped[bytes | None] = personal("contact")
    victim_address: Mapped[bytes | None] = personal("location")
    victim_postcode: Mapped[bytes | None] = personal("location")
    victim_uprn: Mapped[bytes | None] = personal("location")
    #: The third party who applied, and how to reach them.
    applicant_name: Mapped[bytes | None] = personal("identity")
    applicant_contact: Mapped[bytes | None] = personal("contact")
    #: The third party's postal address, for the letters (asked when no e-mail is given).
    applicant_address: Mapped[bytes | None] = personal("contact")
    #: The ASB, in the applicant's words; how consent was given; the decision's reasons.
    problem: Mapped[bytes | None] = personal("narrative")
    consent_note: Mapped[bytes | None] = personal("narrative")
    #: Who the applicant says they reported the behaviour to, and roughly when (JSON: each
    #: agency's code and name, or someone else in their words, and the month).
    reported_to: Mapped[bytes | None] = personal("narrative")
    #: Who the lead found it was reported to, correcting the applicant's account (the same
    #: JSON; ``[]`` for no one; None: never corrected), and why (the applicant's own answer
    #: stays in ``reported_to``, shown beside it).
    reported_to_corrected: Mapped[bytes | None] = personal("narrative")
    reported_to_reason: Mapped[bytes | None] = personal("narrative")
    decision_reasons: Mapped[bytes | None] = personal("narrative")
    #: The reasons of the first decision ("not met"), once the threshold is decided again.
    first_decision_reasons: Mapped[bytes | None] = personal("narrative")
    #: What the review found, and what happens next, as the outcome letter says them.
    outcome_findings: Mapped[bytes | None] = personal("narrative")
    outcome_next_steps: Mapped[bytes | None] = personal("narrative")
    #: Why the applicant appeals, and the appeal body's findings.
    appeal_reasons: Mapped[bytes | None] = personal("narrative")
    appeal_findings: Mapped[bytes | None] = personal("narrative")
    #: How and why the applicant withdrew the application, as the lead noted it.
    withdrawal_note: Mapped[bytes | None] = personal("narrative")

    lead_agency: Mapped[Agency] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    first_decided_by: Mapped[User | None] = relationship(foreign_keys=[first_decided_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    duplicate_of: Mapped[TriggerApplication | None] = relationship(remote_side=[id])
    data_key: Mapped[DataKey | None] = relationship()
    review_sitting: Mapped[MeetingSitting | None] = relationship()
    recommendations: Mapped[list[TriggerRecommendation]] = relationship(
        back_populates="application", order_by="TriggerRecommendation.id"
    )
    counts: Mapped[list[TriggerBodyCount]] = relationship(back_populates="application")
    requests: Mapped[list[TriggerCaseRequest]] = relationship(
        back_populates="application", order_by="TriggerCaseRequest.id"
    )

    @property
    def sealed_under(self) -> TriggerApplication:
        return self


class TriggerBodyCount(Base):
    """How many of the complaints the rules counted for an application a relevant body
    held, as at the threshold decision (for the figures per relevant body)."""

    __tablename__ = "trigger_body_counts"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("trigger_applications.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    complaints: Mapped[int]

    application: Mapped[TriggerApplication] = relationship(back_populates="counts")
    agency: Mapped[Agency] = relationship()


class TriggerCaseRequest(Base):
    """The lead asking the agency holding a counted complaint to bring its case to the
    review panel (a locked case: its lock members, to confirm the complaint and bring it)."""

    __tablename__ = "trigger_case_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("trigger_applications.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    locked: Mapped[bool]
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The agency's answer (the complaint confirmed, or none held and why), when and by
    #: whom (None: not answered yet; ``sharing.trigger.case_answers``).
    answer: Mapped[CaseRequestAnswer | None] = enum_column(
        CaseRequestAnswer, "case_request_answer", nullable=True
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[TriggerApplication] = relationship(back_populates="requests")
    case: Mapped[Case | None] = relationship()
    agency: Mapped[Agency] = relationship()


class TriggerRecommendation(Base):
    """A recommendation of the review panel (or of the appeal), owned by a relevant body
    with a due date, followed until that body marks it done."""

    __tablename__ = "trigger_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("trigger_applications.id", ondelete="CASCADE"), index=True
    )
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    #: Made on appeal, not by the review panel.
    on_appeal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The day it was cancelled, not done (made on an appeal the applicant withdrew), and
    #: why in plain words (never personal: ``CANCELLED_WITH_APPEAL``).
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancelled_why: Mapped[str | None] = mapped_column(String(120))
    #: What is to be done, and what was done.
    text: Mapped[bytes | None] = personal("actions")
    completion_note: Mapped[bytes | None] = personal("actions")

    application: Mapped[TriggerApplication] = relationship(back_populates="recommendations")
    owner_agency: Mapped[Agency] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def sealed_under(self) -> TriggerApplication:
        return self.application


class TriggerLetter(Base):
    """A letter to the applicant (acknowledgement, threshold decision, outcome, appeal
    decision), or a corrected copy of one, sent by e-mail or posted: its words are made
    from the application when it is sent or printed, so nothing personal waits here; the
    addresses are the application's sealed ones."""

    __tablename__ = "trigger_letters"
    __table_args__ = (UniqueConstraint("application_id", "kind", "copy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("trigger_applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LetterKind] = enum_column(LetterKind, "letter_kind")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    failed_why: Mapped[str | None] = mapped_column(String(80))
    #: When a delivery took it to send it (``sharing.mail_delivery.claim``); None when none has.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 0 for the letter itself; 1, 2, ... for each corrected copy the lead sent of it.
    copy: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When a correction of who applied or their contact came after it was sent: it went
    #: to the details as they were (None: it went to the details as they stand).
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: It goes by post: there was no e-mail address to send it to when it was reached
    #: (a letter the mail server refused goes by post too, without this).
    by_post: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: When the lead marked it as posted, and who (None: not posted).
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[TriggerApplication] = relationship()
    posted_by: Mapped[User | None] = relationship(foreign_keys=[posted_by_id])


class PublicFormUse(Base):
    """One use of a public form (a form sent and let through), to limit how often one
    source may send it. ``key`` is a keyed hash of the source (an IPv4 address or an IPv6
    /64), never the address."""

    __tablename__ = "public_form_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
