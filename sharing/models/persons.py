"""People a case is about: victims, reporters, witnesses and reported persons.

Every identifying value is a sealed column (``personal``); only ``sharing.crypto.sealing`` reads
or writes them. A person record belongs to the agency that recorded it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharing import clock
from sharing.models.agencies import Agency
from sharing.models.base import Base, LastChanged, UTCDateTime, personal
from sharing.models.keys import DataKey

if TYPE_CHECKING:
    from sharing.models.cases import CaseParty


class Person(LastChanged, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The agency that recorded this person and controls the record.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Set when the record is erased; its sealed values are then unreadable.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The key this person's values are sealed under (``sharing.crypto.sealing``).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))

    #: Family name (surname).
    family_name: Mapped[bytes | None] = personal("identity")
    #: Given names.
    given_names: Mapped[bytes | None] = personal("identity")
    #: The other names they are also known by (a nickname, a former surname, another
    #: spelling), each with a note of what it is: JSON (``sharing.formats.other_names``).
    #: Identity, as their names; each is indexed as a surname is.
    other_names: Mapped[bytes | None] = personal("identity")
    #: Date of birth, ISO 8601 (YYYY-MM-DD).
    date_of_birth: Mapped[bytes | None] = personal("identity")
    #: Telephone number as given.
    phone: Mapped[bytes | None] = personal("contact")
    #: E-mail address as given.
    email: Mapped[bytes | None] = personal("contact")
    #: Postal address lines, newline separated, without the postcode.
    address: Mapped[bytes | None] = personal("location")
    #: Postcode of the address.
    postcode: Mapped[bytes | None] = personal("location")
    #: How the person wants to be contacted, and any reasonable adjustments.
    contact_preferences: Mapped[bytes | None] = personal("contact")
    #: Reasonable adjustments, structured (``sharing.cases.needs``): which, the language,
    #: the advocate. JSON. Read under "contact": they say how to communicate with the
    #: person, which every partner that contacts them must know; why they need them stays
    #: in ``support_needs``, under "vulnerability".
    adjustments: Mapped[bytes | None] = personal("contact")
    #: How to contact them, structured: the way they prefer, times to avoid, no home
    #: visits. JSON.
    contact_needs: Mapped[bytes | None] = personal("contact")
    #: Vulnerability and support needs (special category data).
    support_needs: Mapped[bytes | None] = personal("vulnerability")

    agency: Mapped[Agency] = relationship()
    data_key: Mapped[DataKey | None] = relationship()
    #: The cases this person is on, and in which part.
    parties: Mapped[list[CaseParty]] = relationship(back_populates="person", viewonly=True)

    @property
    def sealed_under(self) -> Person:
        """The record whose data key seals this one's values."""
        return self
