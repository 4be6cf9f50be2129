"""The one way personal values are written to and read from sealed columns.

A sealed column stores an opaque, versioned byte string: the first byte names the format.

- ``0x00``: unencrypted UTF-8. The format of the foundation release, before field-level
  encryption; kept readable so that the encryption release can re-seal existing rows in
  place with a data migration.

Later formats (authenticated encryption bound to table, column, row and key version) are
added here without changing any model or caller: callers only ever use ``seal`` and
``unseal`` with the record and the column name.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

FORMAT_PLAIN = 0x00


class SealedValueError(ValueError):
    """A sealed value that cannot be read: unknown format or damaged bytes.

    The message names the table, column and row, never the value.
    """


def is_personal(record: DeclarativeBase, column: str) -> bool:
    table = record.__class__.__table__
    return column in table.c and bool(table.c[column].info.get("personal"))


def personal_columns(model: type[DeclarativeBase]) -> dict[str, str]:
    """Column name → data category for every sealed column of a model."""
    table = model.__table__
    return {c.name: c.info["category"] for c in table.c if c.info.get("personal")}


def seal(record: DeclarativeBase, column: str, value: str | None) -> None:
    """Store ``value`` in the sealed ``column`` of ``record`` (None or "" clears it)."""
    if not is_personal(record, column):
        raise AttributeError(f"{type(record).__name__}.{column} is not a sealed column")
    if value is None or value == "":
        setattr(record, column, None)
        return
    setattr(record, column, bytes([FORMAT_PLAIN]) + value.encode("utf-8"))


def unseal(record: DeclarativeBase, column: str) -> str | None:
    """The plain value of the sealed ``column`` of ``record``, or None when empty."""
    if not is_personal(record, column):
        raise AttributeError(f"{type(record).__name__}.{column} is not a sealed column")
    blob: bytes | None = getattr(record, column)
    if blob is None:
        return None
    where = f"{record.__class__.__tablename__}.{column} row {getattr(record, 'id', '?')}"
    if not blob or blob[0] != FORMAT_PLAIN:
        raise SealedValueError(f"unreadable sealed value in {where}: unknown format")
    try:
        return bytes(blob[1:]).decode("utf-8")
    except UnicodeDecodeError:
        raise SealedValueError(f"unreadable sealed value in {where}: damaged") from None
