"""The one way personal values are written to and read from sealed columns.

Each value is sealed under the data key of its case or person
(``sharing.crypto.data_keys``), in the format ``sharing.crypto.sealed_format`` describes:
bound to its table, column, row and data key, so a value copied to another row or
column, or altered, fails to decrypt (``IntegrityFailure``). Files are sealed the same
way (``seal_file``, ``open_file``).

Incidents, actions and lock requests are sealed under their case's key; a record names
the record whose key it uses with its ``sealed_under`` property.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping, Sequence
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import DeclarativeBase, Session, object_session

from sharing.crypto.data_keys import (
    owner_cipher,
    provider_of,
    session_key,
    session_keys,
    unwrap,
    unwrapped,
)
from sharing.crypto.sealed_format import (
    CIPHERTEXT_BYTES,
    FORMAT_AES_GCM,
    HEADER,
    NONCE,
    NONCE_BYTES,
    SHORTEST,
    IntegrityFailure,
    SealedValueError,
    ad_prefixes,
)
from sharing.models.keys import DataKey

log = logging.getLogger(__name__)


def _session(record: DeclarativeBase) -> Session:
    session = object_session(record)
    if session is None:
        raise SealedValueError(f"{type(record).__name__} must be added to a session before sealing")
    return session


class RowOpener:
    """Opens the sealed columns of ``model`` in plain rows, as a search reads its
    candidates: each row's data key is unwrapped from the row (its key id, KEK version and
    wrapped key) unless the session holds it already, and kept in the session's cache."""

    def __init__(self, session: Session, model: type) -> None:
        self.model = model
        self.prefixes = ad_prefixes(model)
        self.keys = session_keys(session)
        self.provider = provider_of(session)

    def key(self, key_id: int, kek_version: int, wrapped: bytes) -> AESGCM:
        """The AESGCM of a row's data key."""
        cipher = self.keys.get(key_id)
        if cipher is None:
            cipher = self.keys[key_id] = unwrapped(self.provider, key_id, kek_version, wrapped)
        return cipher

    def open(
        self, cipher: AESGCM, column: str, row_id: int, key_id: int, blob: bytes | None
    ) -> str | None:
        """The plain value of ``column`` in row ``row_id`` sealed under ``cipher`` (data key
        ``key_id``), or None when empty or unreadable (an integrity failure is logged,
        without the value, as ``unseal`` logs it)."""
        if blob is None:
            return None
        try:
            plain: bytes = cipher.decrypt(
                blob[NONCE_BYTES],
                blob[CIPHERTEXT_BYTES],
                self.prefixes[column] + b"%d|%d" % (row_id, key_id),
            )
        except (InvalidTag, ValueError):
            try:
                _failed(self.model, column, row_id, key_id, blob)
            except SealedValueError:
                return None
        return plain.decode()


def seal(record: DeclarativeBase, column: str, value: str | None) -> bool:
    """Encrypt ``value`` into the sealed ``column`` of ``record`` (None or "" clears it);
    whether the column changed (see ``seal_many``)."""
    return bool(seal_many(record, {column: value}))


def seal_many(record: DeclarativeBase, values: Mapping[str, str | None]) -> set[str]:
    """``seal`` several columns of one record, finding its data key once (what a form that
    records a person or a case does); the columns whose value changed. A column that
    already holds its value, sealed under the record's data key, is left as it is: saving
    a form unchanged changes no row."""
    model = record.__class__
    prefixes = ad_prefixes(model)
    for column in values:
        if column not in prefixes:
            raise AttributeError(f"{model.__name__}.{column} is not a sealed column")
    if not any(values.values()):
        cleared = {column for column in values if getattr(record, column) is not None}
        for column in values:
            setattr(record, column, None)
        return cleared
    session = _session(record)
    row_id = record.id  # type: ignore[attr-defined]
    if row_id is None:
        session.flush()  # the row's id is part of the associated data
        row_id = record.id  # type: ignore[attr-defined]
    key_id, cipher = owner_cipher(session, record.sealed_under)  # type: ignore[attr-defined]
    header, suffix = HEADER.pack(FORMAT_AES_GCM, key_id), b"%d|%d" % (row_id, key_id)
    changed = {
        column: value
        for column, value in values.items()
        if not _holds(getattr(record, column), value, header, cipher, prefixes[column] + suffix)
    }
    for column, blob in sealed_values(model, row_id, key_id, cipher, changed).items():
        setattr(record, column, blob)
    return set(changed)


def _holds(
    blob: bytes | None, value: str | None, header: bytes, cipher: AESGCM, associated: bytes
) -> bool:
    """Whether the stored ``blob`` is ``value`` sealed under ``cipher`` with ``header`` and
    ``associated`` data (a value sealed under another key, or unreadable, is not)."""
    if not value or blob is None:
        return not value and blob is None
    if not blob.startswith(header):
        return False
    try:
        plain: bytes = cipher.decrypt(blob[NONCE_BYTES], blob[CIPHERTEXT_BYTES], associated)
    except (InvalidTag, ValueError):
        return False
    return plain == value.encode()


def sealed_values(
    model: type, row_id: int, key_id: int, cipher: AESGCM, values: Mapping[str, str | None]
) -> dict[str, bytes | None]:
    """``values`` (column → plain value) of row ``row_id`` of ``model`` sealed under data
    key ``key_id`` (whose AESGCM is ``cipher``): column → sealed value, None for an empty
    one. What ``seal_many`` stores, for rows written without their objects (an import)."""
    prefixes = ad_prefixes(model)
    header = HEADER.pack(FORMAT_AES_GCM, key_id)
    suffix = b"%d|%d" % (row_id, key_id)
    encrypt = cipher.encrypt
    # Every value's nonce at once: one call for random bytes is a third of sealing a field.
    # Fresh from the operating system each time, never kept, so no two processes (a
    # server's forked workers) can ever share one.
    nonces = os.urandom(NONCE * len(values))
    sealed: dict[str, bytes | None] = {}
    at = 0
    for column, value in values.items():
        if not value:
            sealed[column] = None
            continue
        nonce = nonces[at : at + NONCE]
        at += NONCE
        sealed[column] = header + nonce + encrypt(nonce, value.encode(), prefixes[column] + suffix)
    return sealed


def unseal_many(record: DeclarativeBase, columns: Collection[str]) -> dict[str, str | None]:
    """``unseal`` several columns of one record, finding its data key once: column → plain
    value or None. Raises as ``unseal`` does for the first column that cannot be read."""
    return _unseal_record(record, columns)


def unseal_records(
    records: Sequence[DeclarativeBase], columns: Collection[str]
) -> list[dict[str, str | None]]:
    """``unseal_many`` for each of several records, as a page lists them (a case's people,
    incidents or actions): for each record, column → plain value or None. Raises as
    ``unseal`` does for the first value that cannot be read."""
    return [_unseal_record(record, columns) for record in records]


def _unseal_record(record: DeclarativeBase, columns: Collection[str]) -> dict[str, str | None]:
    """The plain values of ``columns`` of one record. Every value is checked by its
    decryption: the associated data names the format (``hub-sealed-v1``), table, column,
    row and data key, so a value from another format, key, row or column fails; its header
    is then read to say why (``_failed``). A data key the session does not hold yet is
    unwrapped (``ErasedValue`` for a destroyed one)."""
    model = record.__class__
    prefixes = ad_prefixes(model)
    row_id: int = record.id  # type: ignore[attr-defined]
    key_id: int | None = record.sealed_under.data_key_id  # type: ignore[attr-defined]
    values: dict[str, str | None] = {}
    decrypt = None
    suffix = b""
    for column in columns:
        if column not in prefixes:
            raise AttributeError(f"{model.__name__}.{column} is not a sealed column")
        blob = getattr(record, column)
        if blob is None:
            values[column] = None
            continue
        if decrypt is None:
            if key_id is None:
                _check_header(model, column, row_id, key_id, blob)
            decrypt = _opening_cipher(_session(record), model, column, row_id, key_id).decrypt
            suffix = b"%d|%d" % (row_id, key_id)
        try:
            plain = decrypt(blob[NONCE_BYTES], blob[CIPHERTEXT_BYTES], prefixes[column] + suffix)
        except (InvalidTag, ValueError):
            _failed(model, column, row_id, key_id, blob)
        values[column] = plain.decode()
    return values


def _failed(model: type, column: str, row_id: int, key_id: int | None, blob: bytes) -> NoReturn:
    """Say why a value failed its decryption: a header naming another format or key (a
    value from elsewhere), or else altered or moved."""
    if (
        key_id is None
        or len(blob) < SHORTEST
        or blob[: HEADER.size] != HEADER.pack(FORMAT_AES_GCM, key_id)
    ):
        _check_header(model, column, row_id, key_id, blob)
    _integrity(_where(model, column, row_id), "altered, or moved from another row or column")


def _check_header(
    model: type, column: str, row_id: int, key_id: int | None, blob: bytes
) -> NoReturn:
    """Why a value's header is not the one expected: its format or its data key."""
    if len(blob) < SHORTEST or blob[0] != FORMAT_AES_GCM:
        raise SealedValueError(
            f"unreadable sealed value in {_where(model, column, row_id)}: unknown format"
        )
    _integrity(_where(model, column, row_id), "sealed under another record's key")


def _where(model: type, column: str, row_id: int) -> str:
    """Where a value is, for messages: table, column and row, never the value."""
    return f"{model.__tablename__}.{column} row {row_id}"  # type: ignore[attr-defined]


def _opening_cipher(session: Session, model: type, column: str, row_id: int, key_id: int) -> AESGCM:
    """The AESGCM of data key ``key_id``: from the session's cache, or unwrapped now
    (ErasedValue for a destroyed key)."""
    # A key this session has unwrapped needs no DataKey record (a query per owner).
    cipher = session_key(session, key_id)
    if cipher is None:
        record = session.get(DataKey, key_id)
        if record is None:
            raise SealedValueError(
                f"unreadable sealed value in {_where(model, column, row_id)}: its data key is missing"
            )
        cipher = unwrap(session, record)
    return cipher


def unseal(record: DeclarativeBase, column: str) -> str | None:
    """The plain value of the sealed ``column`` of ``record``, or None when empty.

    Raises ErasedValue for an erased record, IntegrityFailure for an altered or moved
    value (logged, without the value), SealedValueError for an unknown format.
    """
    return unseal_many(record, (column,))[column]


def _integrity(where: str, what: str) -> NoReturn:
    message = f"integrity check failed for {where}: {what}"
    log.error(message)
    raise IntegrityFailure(message)


def _file_context(record: DeclarativeBase, part: str, key_id: int) -> bytes:
    """What a sealed file is bound to: its table, part, row and data key."""
    table = record.__tablename__
    return f"hub-file-v1|{table}|{part}|{record.id}|{key_id}".encode()  # type: ignore[attr-defined]


def seal_file(record: DeclarativeBase, part: str, content: bytes) -> bytes:
    """``content`` (a file, or its preview: ``part``) encrypted under the data key of the
    record it is sealed under, in the format of a sealed value, bound to the record's
    table, row and ``part``: what a file store keeps."""
    session = _session(record)
    if record.id is None:  # type: ignore[attr-defined]
        session.flush()  # the row's id is part of the associated data
    key_id, cipher = owner_cipher(session, record.sealed_under)  # type: ignore[attr-defined]
    nonce = os.urandom(NONCE)
    context = _file_context(record, part, key_id)
    return HEADER.pack(FORMAT_AES_GCM, key_id) + nonce + cipher.encrypt(nonce, content, context)


def open_file(record: DeclarativeBase, part: str, sealed: bytes) -> bytes:
    """The plain content of a file ``seal_file`` sealed for ``record`` and ``part``.
    Raises ``ErasedValue`` when the record was erased, ``IntegrityFailure`` when the bytes
    were altered or belong to another record or part (logged, without the content)."""
    model = record.__class__
    row_id: int = record.id  # type: ignore[attr-defined]
    owner = record.sealed_under  # type: ignore[attr-defined]
    key_id: int | None = owner.data_key.id if owner.data_key is not None else None
    where = f"the {part} of {model.__tablename__} row {row_id}"
    if (
        key_id is None
        or len(sealed) < SHORTEST
        or sealed[: HEADER.size] != HEADER.pack(FORMAT_AES_GCM, key_id)
    ):
        _integrity(where, "not sealed for this record under its key")
    cipher = _opening_cipher(_session(record), model, part, row_id, key_id)
    try:
        return cipher.decrypt(
            sealed[NONCE_BYTES], sealed[CIPHERTEXT_BYTES], _file_context(record, part, key_id)
        )
    except InvalidTag:
        _integrity(where, "altered, or moved from another record or part")
