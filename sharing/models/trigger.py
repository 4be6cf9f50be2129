"""Community Trigger (ASB Case Review) applications, recorded by the lead agency, with the
victim's and any third party's details sealed under the application's own data key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.keys import DataKey
from sharing.models.users import User
from sharing.vocabulary import OnBehalf, ThresholdDecision, TriggerChannel, VictimKind


class TriggerApplication(Base):
    """An application for an ASB Case Review, from receipt to the threshold decision."""

    __tablename__ = "trigger_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. ``ASBR-2026-0007``: given to the applicant, names nobody.
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

    #: The lead's threshold decision, when made; the rules' advice then, as counts only
    #: ("three-complaints 2 of 3; ..."), and who decided.
    decision: Mapped[ThresholdDecision | None] = enum_column(
        ThresholdDecision, "threshold_decision", nullable=True
    )
    advice: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))

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
    #: The ASB, in the applicant's words; how consent was given; the decision's reasons.
    problem: Mapped[bytes | None] = personal("narrative")
    consent_note: Mapped[bytes | None] = personal("narrative")
    decision_reasons: Mapped[bytes | None] = personal("narrative")

    lead_agency: Mapped[Agency] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    data_key: Mapped[DataKey | None] = relationship()

    @property
    def sealed_under(self) -> TriggerApplication:
        return self


class PublicFormUse(Base):
    """One use of a public form (a form sent), to limit how often one address may send
    it. ``key`` is a keyed hash of the address, never the address."""

    __tablename__ = "public_form_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
