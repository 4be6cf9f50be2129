"""Each case's and each person's data key.

Each case and each person has its own AES-256 data key, stored wrapped by a
key-encryption key from the key provider (``sharing.crypto.keys``), made on first use
(``data_key_for``; many at once for an import, ``new_data_keys``). Destroying a data key
(``destroy_data_key``) erases every value sealed under it, backups included.

The session carries the key provider (``session.info["keys"]``, set by
``sharing.db.make_session_factory``) and caches the data keys it has unwrapped, as
AESGCM objects, for the length of the session only (``session.info["data_keys"]``), so an
erasure in one process is never undone by a cache in another.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from sharing import clock
from sharing.crypto.keys import KeyProvider, KeyringError
from sharing.crypto.sealed_format import ErasedValue
from sharing.db import begin_writing, insert_rows
from sharing.models.base import table_of
from sharing.models.keys import DataKey

#: ``session.info`` key of the session's unwrapped data keys (``session_keys``).
_KEYS = "data_keys"


def provider_of(session: Session) -> KeyProvider:
    try:
        return session.info["keys"]  # type: ignore[no-any-return]
    except KeyError:
        raise KeyringError("this database session has no key store") from None


def wrap_context(key_id: int, kek_version: int) -> bytes:
    """What a wrapped data key is bound to: its own id and the KEK version wrapping it."""
    return f"hub-data-key-v1|{key_id}|{kek_version}".encode()


def session_keys(session: Session) -> dict[int, AESGCM]:
    """The session's unwrapped data keys: data key id → AESGCM of the key."""
    return session.info.setdefault(_KEYS, {})  # type: ignore[no-any-return]


def forget_data_keys(session: Session) -> None:
    """Drop the data keys the session has unwrapped (they are unwrapped again when next
    used): for work that goes through many records once each, such as an import, so that
    the keys of records already done are not kept in memory."""
    session.info.pop(_KEYS, None)


def session_key(session: Session, key_id: int) -> AESGCM | None:
    """The AESGCM of data key ``key_id`` if this session has already unwrapped it."""
    cache: dict[int, AESGCM] | None = session.info.get(_KEYS)
    return cache.get(key_id) if cache is not None else None


def owner_cipher(session: Session, owner: Any) -> tuple[int, AESGCM]:
    """``data_key_for``, without loading the owner's DataKey record when the session has
    already unwrapped its key."""
    key_id: int | None = owner.data_key_id
    if key_id is not None:
        cipher = session_key(session, key_id)
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
        cipher = session_keys(session)[record.id] = AESGCM(key)
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
    cache = session_keys(session)
    if record.id not in cache:
        if record.wrapped is None:
            raise ErasedValue(f"data key {record.id} was destroyed")
        cache[record.id] = unwrapped(
            provider_of(session), record.id, record.kek_version, record.wrapped
        )
    return cache[record.id]


def load_data_keys(session: Session, key_ids: Iterable[int | None]) -> None:
    """Unwrap many data keys at once (one query), e.g. before showing a list; ``None``
    (a record whose key was destroyed by erasure) is passed over."""
    cache = session_keys(session)
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
            cache[key_id] = unwrapped(provider, key_id, kek_version, wrapped)


def unwrapped(provider: KeyProvider, key_id: int, kek_version: int, wrapped: bytes) -> AESGCM:
    return AESGCM(provider.unwrap(kek_version, wrapped, wrap_context(key_id, kek_version)))


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


def destroy_data_key(session: Session, owner: Any) -> None:
    """Crypto-shred: destroy ``owner``'s data key so nothing sealed under it can be read."""
    record: DataKey | None = owner.data_key
    if record is None:
        return
    record.wrapped = None
    record.destroyed_at = clock.now()
    session_keys(session).pop(record.id, None)
    session.flush()
