"""Areas, their wards, and the agencies that make up a partnership."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing.models.base import Base, enum_column
from sharing.vocabulary import AgencyType


class Area(Base):
    """A community safety partnership area (usually one district or unitary council)."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, e.g. ``northgate``.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Number of homes in the area, for "cases per 1,000 homes".
    homes: Mapped[int | None]

    wards: Mapped[list[Ward]] = relationship(back_populates="area", order_by="Ward.name")
    agencies: Mapped[list[Agency]] = relationship(back_populates="area", order_by="Agency.name")


class Ward(Base):
    """An electoral ward: the unit of hotspots and statistics (kept in plain)."""

    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    name: Mapped[str] = mapped_column(String(120))

    area: Mapped[Area] = relationship(back_populates="wards")


class Agency(Base):
    """A partner organisation: a landlord, the police, a council team, safeguarding, ..."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in protocols and the command line, e.g. ``northgate-homes``.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    type: Mapped[AgencyType] = enum_column(AgencyType, "agency_type")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    #: Prefix of this agency's case references, e.g. ``NGH``.
    case_prefix: Mapped[str] = mapped_column(String(8), unique=True)

    area: Mapped[Area] = relationship(back_populates="agencies")


class CaseReferenceCounter(Base):
    """The last case reference number an agency gave in a year: references are numbered
    by taking the next one from this row, under its write lock, so two cases opened at
    once never get the same reference."""

    __tablename__ = "case_reference_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The number of the latest reference given, e.g. 12 for ``NGH-2026-00012``.
    last: Mapped[int]
