"""Referrals from a case to a service (outside the hub, or a safeguarding team in it), and
what became of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case
from sharing.models.persons import Person
from sharing.models.protocols import Share
from sharing.models.users import User
from sharing.vocabulary import ReferralKind, ReferralOutcome


class Referral(Base):
    """A person on a case referred to a service (e.g. the hate incident support service),
    why (sealed: it names their needs), and its outcome once known. A safeguarding
    referral names the safeguarding agency in the hub and the share it was given."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReferralKind] = enum_column(ReferralKind, "referral_kind")
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[ReferralOutcome | None] = enum_column(
        ReferralOutcome, "referral_outcome", nullable=True
    )
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The agency in the hub referred to, and the share of the case it was given.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    share_id: Mapped[int | None] = mapped_column(ForeignKey("shares.id"))

    reason: Mapped[bytes | None] = personal("vulnerability")
    outcome_note: Mapped[bytes | None] = personal("vulnerability")

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    referred_by: Mapped[User] = relationship(foreign_keys=[referred_by_id])
    outcome_by: Mapped[User | None] = relationship(foreign_keys=[outcome_by_id])
    agency: Mapped[Agency | None] = relationship()
    share: Mapped[Share | None] = relationship()

    @property
    def sealed_under(self) -> Case:
        return self.case
