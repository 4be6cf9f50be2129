"""Declarative base, naming convention, and the column kinds the models share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    LargeBinary,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Stable constraint names, so Alembic migrations name the same thing on every database.
#: The largest id a row can have: ids are 32-bit integers on PostgreSQL. A larger number
#: from an address or a form names no row and is treated as not found.
MAX_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class LastChanged:
    """A record that keeps who last changed it from a form, and when, so that a save from a
    form opened before that change is refused naming them (``sharing.stamps``)."""

    #: When a form's save last changed it (none if none has since it was recorded).
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The user who saved that change.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def changed_by_user(self, user_id: int, at: datetime) -> None:
        """Keep that ``user_id`` changed the record at ``at``."""
        self.changed_by_id, self.changed_at = user_id, at


#: The category of a sealed column whose rows each name their own (``category``): a
#: document's name and description are read under the category of the document.
BY_ROW = "by_row"


def personal(category: str, **kwargs: Any) -> Any:
    """A column holding one personal-data value, sealed (see ``sharing.crypto.sealing``).

    The stored value is an opaque byte string in a versioned format; the plain value is
    only ever read or written through ``sharing.crypto.sealing``. ``category`` names the data
    category the value belongs to (identity, contact, location, narrative, risk,
    vulnerability, offending, actions, outcome), which is what sharing decisions are made on;
    ``BY_ROW`` for a table whose rows each carry theirs in a ``category`` column.
    """
    return mapped_column(
        LargeBinary, nullable=True, info={"personal": True, "category": category}, **kwargs
    )


def enum_column(enum: type[Any], name: str, **kwargs: Any) -> Any:
    """A string column restricted to an enum's values by a named CHECK constraint."""
    return mapped_column(
        Enum(
            enum,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=40,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kwargs,
    )


__all__ = [
    "MAX_ID",
    "Base",
    "LastChanged",
    "UTCDateTime",
    "String",
    "enum_column",
    "personal",
]


def table_of(model: type[Base]) -> Table:
    """The table a mapped class is mapped to, for Core statements (rows written in
    bulk, without their objects)."""
    table = model.__table__
    assert isinstance(table, Table)  # noqa: S101 - every model here maps one table
    return table
