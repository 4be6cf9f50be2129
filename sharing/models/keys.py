"""Wrapped data keys and blind indexes: what lets personal values be encrypted and found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from sharing import clock
from sharing.models.base import Base, UTCDateTime


class DataKey(Base):
    """One record's data key (a case's or a person's), wrapped by a key-encryption key.

    Destroying it (``wrapped`` set to None) makes every value sealed under it unreadable
    for good, backups included: that is how records are erased.
    """

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Version of the key-encryption key that wraps this key (rotation rewraps it).
    kek_version: Mapped[int] = mapped_column(index=True)
    #: The AES-256 data key encrypted under that KEK; None once destroyed.
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BlindIndex(Base):
    """A truncated keyed hash of one normalised value, for exact search without decrypting
    every row. Several different values share each hash on purpose; candidates are
    decrypted and compared before anything is shown."""

    __tablename__ = "blind_indexes"
    #: The lookup holds everything a search reads of an entry, so a bucket is read from
    #: the index alone (SQLite: "USING COVERING INDEX").
    __table_args__ = (
        Index("ix_blind_indexes_lookup", "field", "value", "person_id", "case_id", "agency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which search it serves: surname, surname_dob, postcode, phone or uprn.
    field: Mapped[str] = mapped_column(String(16))
    #: The first ``index_bits`` bits of HMAC-SHA256(field key, normalised value).
    value: Mapped[int] = mapped_column(BigInteger)
    #: The agency whose record this is (searches are scoped to what the user may see).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: The normalising rules that made the hashed value (``blind_index.RULES``); entries
    #: made before rules were counted are 1. ``hub keys reindex`` brings older ones up.
    rules: Mapped[int] = mapped_column(SmallInteger, server_default="1")
