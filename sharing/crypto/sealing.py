"""The one way personal values are written to and read from sealed columns.

Each case and each person has its own AES-256 data key, stored wrapped by a
key-encryption key from the key provider (``sharing.crypto.keys``). A sealed value is::

    0x01 | data key id (8 bytes, big-endian) | nonce (12 bytes) | AES-256-GCM ciphertext and tag

with associated data binding it to its table, column, row and data key, so a value
copied to another row or column, or altered, fails to decrypt (``IntegrityFailure``).
The first byte names the format, so the algorithm can change later; format 0x00
(unencrypted, before this release) is refused.

Incidents, actions and lock requests are sealed under their case's key; a record names
the record whose key it uses with its ``sealed_under`` property. Destroying a data key
(``destroy_data_key``) erases every value sealed under it, backups included.

The session carries the key provider (``session.info["keys"]``, set by
``sharing.db.make_session_factory``) and caches the data keys it has unwrapped, as
AESGCM objects, for the length of the session only (``session.info["data_keys"]``), so an
erasure in one process is never undone by a cache in another.
"""

from __future__ import annotations

import logging
import os
import secrets
import struct
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import DeclarativeBase, Session, object_session

from sharing import clock
from sharing.crypto.keys import KeyProvider, KeyringError
from sharing.db import begin_writing, insert_rows
from sharing.models.base import table_of
from sharing.models.keys import DataKey

log = logging.getLogger(__name__)

FORMAT_AES_GCM = 0x01
_HEADER = struct.Struct(">BQ")
_NONCE = 12
_CIPHERTEXT_AT = _HEADER.size + _NONCE
_SHORTEST = _CIPHERTEXT_AT + 16  # the GCM tag
_NONCE_BYTES = slice(_HEADER.size, _CIPHERTEXT_AT)
_CIPHERTEXT_BYTES = slice(_CIPHERTEXT_AT, None)
#: Mapped class → {sealed column → the start of its associated data}. Tables never change
#: while the process runs, so this is worked out once per class.
_AD_PREFIXES: dict[type, dict[str, bytes]] = {}
#: ``session.info`` key of the session's unwrapped data keys (``_cache``).
_KEYS = "data_keys"


class SealedValueError(ValueError):
    """A sealed value that cannot be read. The message names the table, column and row,
    never the value."""


class IntegrityFailure(SealedValueError):
    """The value was altered, or moved from another row or column."""


class ErasedValue(SealedValueError):
    """The value's data key was destroyed: the record was erased."""


def is_personal(record: DeclarativeBase, column: str) -> bool:
    return column in _ad_prefixes(record.__class__)


def _ad_prefixes(model: type) -> dict[str, bytes]:
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


def provider_of(session: Session) -> KeyProvider:
    try:
        return session.info["keys"]  # type: ignore[no-any-return]
    except KeyError:
        raise KeyringError("this database session has no key store") from None


def _session(record: DeclarativeBase) -> Session:
    session = object_session(record)
    if session is None:
        raise SealedValueError(f"{type(record).__name__} must be added to a session before sealing")
    return session


def wrap_context(key_id: int, kek_version: int) -> bytes:
    """What a wrapped data key is bound to: its own id and the KEK version wrapping it."""
    return f"hub-data-key-v1|{key_id}|{kek_version}".encode()


def _cache(session: Session) -> dict[int, AESGCM]:
    """The session's unwrapped data keys: data key id → AESGCM of the key."""
    return session.info.setdefault(_KEYS, {})  # type: ignore[no-any-return]


def forget_data_keys(session: Session) -> None:
    """Drop the data keys the session has unwrapped (they are unwrapped again when next
    used): for work that goes through many records once each, such as an import, so that
    the keys of records already done are not kept in memory."""
    session.info.pop(_KEYS, None)


def _cached(session: Session, key_id: int) -> AESGCM | None:
    """The AESGCM of data key ``key_id`` if this session has already unwrapped it."""
    cache: dict[int, AESGCM] | None = session.info.get(_KEYS)
    return cache.get(key_id) if cache is not None else None


def _owner_cipher(session: Session, owner: Any) -> tuple[int, AESGCM]:
    """``data_key_for``, without loading the owner's DataKey record when the session has
    already unwrapped its key."""
    key_id: int | None = owner.data_key_id
    if key_id is not None:
        cipher = _cached(session, key_id)
        if cipher is not None:
            return key_id, cipher
    return data_key_for(session, owner)


def data_key_for(session: Session, owner: Any) -> tuple[int, AESGCM]:
    """The id and AESGCM of the data key of ``owner`` (a case or a person), made on first
    use."""
    if owner.data_key is None:
        key = secrets.token_bytes(32)
        provider = provider_of(session)
        hold_active_version(session)
        record = DataKey(kek_version=provider.active_version(), wrapped=b"")
        session.add(record)
        session.flush()
        record.wrapped = provider.wrap(
            record.kek_version, key, wrap_context(record.id, record.kek_version)
        )
        owner.data_key = record
        cipher = _cache(session)[record.id] = AESGCM(key)
        return record.id, cipher
    return owner.data_key.id, unwrap(session, owner.data_key)


def hold_active_version(session: Session) -> None:
    """Before a new data key is wrapped under the active key version: keep a rotation from
    retiring that version until this transaction ends. Otherwise a key wrapped just before
    the rotation's last batch and committed just after it would be left wrapped by a
    destroyed version, and its case or person could never be read again. A rotation
    retires versions only under ``keep_new_keys_out``, which waits for this transaction.
    PostgreSQL: the lock an insert takes on ``data_keys``, taken before the version is
    read; SQLite: the database's write lock (``begin_writing``)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {_DATA_KEYS} IN ROW EXCLUSIVE MODE"))
    else:
        begin_writing(session)


def keep_new_keys_out(session: Session) -> None:
    """For a rotation about to retire key versions: wait until every transaction that is
    wrapping new data keys (``hold_active_version``) has ended, and keep new ones from
    starting until this transaction ends, so that the data keys it reads are all there
    are."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {_DATA_KEYS} IN SHARE MODE"))
    else:
        begin_writing(session)


_DATA_KEYS = table_of(DataKey).name


def unwrap(session: Session, record: DataKey) -> AESGCM:
    """The AESGCM of the data key ``record``, unwrapped once a session."""
    cache = _cache(session)
    if record.id not in cache:
        if record.wrapped is None:
            raise ErasedValue(f"data key {record.id} was destroyed")
        cache[record.id] = _unwrapped(
            provider_of(session), record.id, record.kek_version, record.wrapped
        )
    return cache[record.id]


def load_data_keys(session: Session, key_ids: Iterable[int | None]) -> None:
    """Unwrap many data keys at once (one query), e.g. before showing a list; ``None``
    (a record whose key was destroyed by erasure) is passed over."""
    cache = _cache(session)
    missing = {k for k in key_ids if k is not None} - set(cache)
    if not missing:
        return
    provider = provider_of(session)
    # Plain rows, not DataKey objects: a search may unwrap hundreds of keys at once.
    rows = session.execute(
        select(DataKey.id, DataKey.kek_version, DataKey.wrapped).where(
            DataKey.id.in_(bindparam("ids", expanding=True)), DataKey.wrapped.is_not(None)
        ),
        {"ids": list(missing)},
    )
    for key_id, kek_version, wrapped in rows:
        if wrapped is not None:
            cache[key_id] = _unwrapped(provider, key_id, kek_version, wrapped)


class RowOpener:
    """Opens the sealed columns of ``model`` in plain rows, as a search reads its
    candidates: each row's data key is unwrapped from the row (its key id, KEK version and
    wrapped key) unless the session holds it already, and kept in the session's cache."""

    def __init__(self, session: Session, model: type) -> None:
        self.model = model
        self.prefixes = _ad_prefixes(model)
        self.keys = _cache(session)
        self.provider = provider_of(session)

    def key(self, key_id: int, kek_version: int, wrapped: bytes) -> AESGCM:
        """The AESGCM of a row's data key."""
        cipher = self.keys.get(key_id)
        if cipher is None:
            cipher = self.keys[key_id] = _unwrapped(self.provider, key_id, kek_version, wrapped)
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
                blob[_NONCE_BYTES],
                blob[_CIPHERTEXT_BYTES],
                self.prefixes[column] + b"%d|%d" % (row_id, key_id),
            )
        except (InvalidTag, ValueError):
            try:
                _failed(self.model, column, row_id, key_id, blob)
            except SealedValueError:
                return None
        return plain.decode()


def _unwrapped(provider: KeyProvider, key_id: int, kek_version: int, wrapped: bytes) -> AESGCM:
    return AESGCM(provider.unwrap(kek_version, wrapped, wrap_context(key_id, kek_version)))


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
    prefixes = _ad_prefixes(model)
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
    key_id, cipher = _owner_cipher(session, record.sealed_under)  # type: ignore[attr-defined]
    header, suffix = _HEADER.pack(FORMAT_AES_GCM, key_id), b"%d|%d" % (row_id, key_id)
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
        plain: bytes = cipher.decrypt(blob[_NONCE_BYTES], blob[_CIPHERTEXT_BYTES], associated)
    except (InvalidTag, ValueError):
        return False
    return plain == value.encode()


def sealed_values(
    model: type, row_id: int, key_id: int, cipher: AESGCM, values: Mapping[str, str | None]
) -> dict[str, bytes | None]:
    """``values`` (column → plain value) of row ``row_id`` of ``model`` sealed under data
    key ``key_id`` (whose AESGCM is ``cipher``): column → sealed value, None for an empty
    one. What ``seal_many`` stores, for rows written without their objects (an import)."""
    prefixes = _ad_prefixes(model)
    header = _HEADER.pack(FORMAT_AES_GCM, key_id)
    suffix = b"%d|%d" % (row_id, key_id)
    encrypt = cipher.encrypt
    # Every value's nonce at once: one call for random bytes is a third of sealing a field.
    # Fresh from the operating system each time, never kept, so no two processes (a
    # server's forked workers) can ever share one.
    nonces = os.urandom(_NONCE * len(values))
    sealed: dict[str, bytes | None] = {}
    at = 0
    for column, value in values.items():
        if not value:
            sealed[column] = None
            continue
        nonce = nonces[at : at + _NONCE]
        at += _NONCE
        sealed[column] = header + nonce + encrypt(nonce, value.encode(), prefixes[column] + suffix)
    return sealed


def new_data_keys(session: Session, key_ids: Sequence[int]) -> list[AESGCM]:
    """Make a data key for each of ``key_ids`` (ids reserved for the data keys' rows),
    wrapped under the active key version and inserted in one statement; their AESGCMs, in
    order. For records written without their objects (an import): the keys are not kept
    in the session."""
    provider = provider_of(session)
    hold_active_version(session)
    version = provider.active_version()
    keys = [secrets.token_bytes(32) for _ in key_ids]
    rows = [
        {
            "id": key_id,
            "kek_version": version,
            "wrapped": provider.wrap(version, key, wrap_context(key_id, version)),
        }
        for key_id, key in zip(key_ids, keys, strict=True)
    ]
    insert_rows(session, table_of(DataKey), rows)
    return [AESGCM(key) for key in keys]


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
    prefixes = _ad_prefixes(model)
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
            plain = decrypt(blob[_NONCE_BYTES], blob[_CIPHERTEXT_BYTES], prefixes[column] + suffix)
        except (InvalidTag, ValueError):
            _failed(model, column, row_id, key_id, blob)
        values[column] = plain.decode()
    return values


def _failed(model: type, column: str, row_id: int, key_id: int | None, blob: bytes) -> NoReturn:
    """Say why a value failed its decryption: a header naming another format or key (a
    value from elsewhere), or else altered or moved."""
    if (
        key_id is None
        or len(blob) < _SHORTEST
        or blob[: _HEADER.size] != _HEADER.pack(FORMAT_AES_GCM, key_id)
    ):
        _check_header(model, column, row_id, key_id, blob)
    _integrity(_where(model, column, row_id), "altered, or moved from another row or column")


def _check_header(
    model: type, column: str, row_id: int, key_id: int | None, blob: bytes
) -> NoReturn:
    """Why a value's header is not the one expected: its format or its data key."""
    if len(blob) < _SHORTEST or blob[0] != FORMAT_AES_GCM:
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
    cipher = _cached(session, key_id)
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


def destroy_data_key(session: Session, owner: Any) -> None:
    """Crypto-shred: destroy ``owner``'s data key so nothing sealed under it can be read."""
    record: DataKey | None = owner.data_key
    if record is None:
        return
    record.wrapped = None
    record.destroyed_at = clock.now()
    _cache(session).pop(record.id, None)
    session.flush()


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
    key_id, cipher = _owner_cipher(session, record.sealed_under)  # type: ignore[attr-defined]
    nonce = os.urandom(_NONCE)
    context = _file_context(record, part, key_id)
    return _HEADER.pack(FORMAT_AES_GCM, key_id) + nonce + cipher.encrypt(nonce, content, context)


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
        or len(sealed) < _SHORTEST
        or sealed[: _HEADER.size] != _HEADER.pack(FORMAT_AES_GCM, key_id)
    ):
        _integrity(where, "not sealed for this record under its key")
    cipher = _opening_cipher(_session(record), model, part, row_id, key_id)
    try:
        return cipher.decrypt(
            sealed[_NONCE_BYTES], sealed[_CIPHERTEXT_BYTES], _file_context(record, part, key_id)
        )
    except InvalidTag:
        _integrity(where, "altered, or moved from another record or part")
