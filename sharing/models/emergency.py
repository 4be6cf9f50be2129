"""Break-glass access in an emergency, and the alerts the hub raises for people to act on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.agencies import Agency
from sharing.models.base import Base, UTCDateTime, enum_column, personal
from sharing.models.cases import Case
from sharing.models.keys import DataKey
from sharing.models.protocols import ProtocolRecord
from sharing.models.users import User
from sharing.vocabulary import AlertKind, Role


class BreakGlass(Base):
    """Time-limited emergency access (risk to life) to a case that is not locked, under an
    emergency protocol clause; reviewed afterwards by the owning agency's manager.

    Its reason and review note are sealed under a data key of its own, not the case's: the
    emergency protocol keeps the record of the access (with its stated reason) for six
    years, whenever the case itself is erased (``sharing.cases.emergency.sweep`` destroys
    the key then). Accesses recorded before migration 0050 have no key of their own: their
    values are sealed under the case's, and go with it."""

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    #: The emergency clause of that protocol.
    clause: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The user's stated reason (may describe the people at risk).
    reason: Mapped[bytes | None] = personal("narrative")
    #: The reviewing manager's conclusion.
    review_note: Mapped[bytes | None] = personal("narrative")
    #: The key its values are sealed under (None: recorded before it had one).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))

    case: Mapped[Case] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    protocol: Mapped[ProtocolRecord] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    data_key: Mapped[DataKey | None] = relationship()

    @property
    def sealed_under(self) -> BreakGlass | Case:
        """The record whose data key seals its values: its own, or for an access recorded
        before it had one, its case."""
        return self if self.data_key_id is not None or self.data_key is not None else self.case

    @property
    def erased(self) -> bool:
        """Whether its reason and review note can no longer be read: its key destroyed at
        the end of its retention, or, recorded before it had one, its case erased."""
        if self.sealed_under is self.case:
            return self.case.erased_at is not None
        return self.data_key is not None and self.data_key.wrapped is None


class Alert(Base):
    """Something the hub asks the people holding a role in an agency to look at. Holds
    identifiers and category names, never personal data."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: Who in the agency should act: managers or DPOs.
    role: Mapped[Role] = enum_column(Role, "alert_role")
    kind: Mapped[AlertKind] = enum_column(AlertKind, "alert_kind")
    #: What happened, in words with no personal data (references and agency names only).
    message: Mapped[str] = mapped_column(String(400))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    break_glass_id: Mapped[int | None] = mapped_column(
        ForeignKey("break_glass.id", ondelete="CASCADE")
    )
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("protocols.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
    #: The case it names, for its page to link to (a plain column: its reference).
    case: Mapped[Case | None] = relationship()
