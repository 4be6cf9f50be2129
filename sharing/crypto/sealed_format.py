"""What a sealed value is: its format, the columns that hold one, and why one cannot be
read.

A sealed value is::

    0x01 | data key id (8 bytes, big-endian) | nonce (12 bytes) | AES-256-GCM ciphertext and tag

with associated data binding it to its table, column, row and data key (``ad_prefixes``
begins it), so a value copied to another row or column, or altered, fails to decrypt
(``IntegrityFailure``). The first byte names the format, so the algorithm can change
later; format 0x00 (unencrypted, before this release) is refused. Values are sealed and
opened by ``sharing.crypto.sealing``.
"""

from __future__ import annotations

import struct

from sqlalchemy.orm import DeclarativeBase

FORMAT_AES_GCM = 0x01
HEADER = struct.Struct(">BQ")
NONCE = 12
_CIPHERTEXT_AT = HEADER.size + NONCE
SHORTEST = _CIPHERTEXT_AT + 16  # the GCM tag
NONCE_BYTES = slice(HEADER.size, _CIPHERTEXT_AT)
CIPHERTEXT_BYTES = slice(_CIPHERTEXT_AT, None)
#: Mapped class → {sealed column → the start of its associated data}. Tables never change
#: while the process runs, so this is worked out once per class.
_AD_PREFIXES: dict[type, dict[str, bytes]] = {}


class SealedValueError(ValueError):
    """A sealed value that cannot be read. The message names the table, column and row,
    never the value."""


class IntegrityFailure(SealedValueError):
    """The value was altered, or moved from another row or column."""


class ErasedValue(SealedValueError):
    """The value's data key was destroyed: the record was erased."""


def is_personal(record: DeclarativeBase, column: str) -> bool:
    return column in ad_prefixes(record.__class__)


def ad_prefixes(model: type) -> dict[str, bytes]:
    """Sealed column → ``hub-sealed-v1|<table>|<column>|`` for a mapped class."""
    prefixes = _AD_PREFIXES.get(model)
    if prefixes is None:
        table = model.__table__  # type: ignore[attr-defined]
        prefixes = {
            key: f"hub-sealed-v1|{model.__tablename__}|{key}|".encode()  # type: ignore[attr-defined]
            for key, column in table.c.items()
            if column.info.get("personal")
        }
        _AD_PREFIXES[model] = prefixes
    return prefixes


def personal_columns(model: type[DeclarativeBase]) -> dict[str, str]:
    """Column name → data category for every sealed column of a model."""
    table = model.__table__
    return {c.name: c.info["category"] for c in table.c if c.info.get("personal")}
