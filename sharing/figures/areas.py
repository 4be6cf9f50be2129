"""The area the partnership's figures (``sharing.figures.partnership``) are for: the
partnership, one of its agencies, one of its wards, or one agency in one ward; and the
agencies and wards a reader chooses from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sharing.errors import InputError
from sharing.formats import whole_number
from sharing.models import Agency, Case, Ward

AGENCY_FIELD = "agency"
WARD_FIELD = "ward"


@dataclass(frozen=True)
class Scope:
    """The area the figures are for: the partnership, or one agency, one ward, or both."""

    area_name: str
    agency: Agency | None = None
    ward: Ward | None = None

    @property
    def title(self) -> str:
        if self.agency and self.ward:
            return f"{self.agency.name} in {self.ward.name} ward"
        if self.agency:
            return self.agency.name
        if self.ward:
            return f"{self.ward.name} ward"
        return f"The {self.area_name} partnership"

    @property
    def query(self) -> dict[str, str]:
        found = {}
        if self.agency:
            found[AGENCY_FIELD] = self.agency.code
        if self.ward:
            found[WARD_FIELD] = str(self.ward.id)
        return found

    @property
    def audit_text(self) -> str:
        parts = [
            f"agency {self.agency.code}" if self.agency else "",
            f"ward {self.ward.id}" if self.ward else "",
        ]
        return ", ".join(p for p in parts if p) or "partnership"

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.agency:
            found.append(Case.agency_id == self.agency.id)
        if self.ward:
            found.append(Case.ward_id == self.ward.id)
        return found


def scope_of(
    session: Session, area_id: int, area_name: str, agency_text: str | None, ward_text: str | None
) -> Scope:
    """The area a reader chose; ``InputError`` naming the field for an agency or a ward the
    partnership does not have."""
    agency = ward = None
    agency_text, ward_text = (agency_text or "").strip(), (ward_text or "").strip()
    if agency_text:
        agency = session.scalar(
            select(Agency).where(Agency.area_id == area_id, Agency.code == agency_text)
        )
        if agency is None:
            raise InputError(AGENCY_FIELD, "Select one of the partnership's agencies")
    if ward_text:
        ward_id = whole_number(ward_text)
        ward = (
            session.scalar(select(Ward).where(Ward.area_id == area_id, Ward.id == ward_id))
            if ward_id is not None
            else None
        )
        if ward is None:
            raise InputError(WARD_FIELD, "Select one of the partnership's wards")
    return Scope(area_name, agency, ward)


def choices(session: Session, agency_id: int) -> tuple[list[Agency], list[Ward]]:
    """The agencies and wards of the partnership of ``agency_id``, by name, to choose from."""
    area_id = session.get_one(Agency, agency_id).area_id
    agencies = session.scalars(
        select(Agency).where(Agency.area_id == area_id).order_by(Agency.name)
    ).all()
    wards = session.scalars(select(Ward).where(Ward.area_id == area_id).order_by(Ward.name)).all()
    return list(agencies), list(wards)
