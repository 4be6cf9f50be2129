"""A form that changes a record carries a stamp of the record as it was when the form was
opened. Saving checks the stamp against the record as stored now, so a save from a form
opened before a colleague's change is refused instead of silently putting back the
colleague's values in the fields the second person never touched.

The stamp is a keyed hash (HMAC-SHA256, under a key derived from the blind-index root key)
of the record's stored columns: sealed values as their ciphertexts, others as they are.
It says nothing of the values, and needs no column of its own: any change to the row
changes it, whether or not it bumps a time. A refusal names who changed the record last,
and when, where the record keeps that (``LastChanged``).
"""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import inspect
from sqlalchemy.orm import DeclarativeBase, Session

from sharing.crypto.data_keys import provider_of
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile
from sharing.models import LastChanged, User

_STAMP = re.compile(r"[0-9a-f]{32}")


def well_formed(stamp: str | None) -> bool:
    """Whether ``stamp`` could be one ``of`` made (anything else counts as no stamp)."""
    return stamp is not None and _STAMP.fullmatch(stamp) is not None


@functools.lru_cache(maxsize=4)
def _key(root_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub-record-stamp-v1"
    ).derive(root_key)


def of(
    session: Session,
    *records: DeclarativeBase,
    only: Collection[str] | None = None,
    also: Iterable[object] = (),
) -> str:
    """The stamp of ``records`` as they are in the session: of every column, or of the
    columns named in ``only`` (a triage form stamps the priority and triage alone), and
    of ``also`` (what the record holds in other tables: a meeting's members' ids)."""
    mac = hmac.new(_key(provider_of(session).index_root_key()), digestmod="sha256")
    mac.update(f"also={[repr(value) for value in also]};".encode())
    for record in records:
        mapper = inspect(record).mapper
        mac.update(f"{mapper.persist_selectable}|".encode())
        for attribute in sorted(mapper.column_attrs, key=lambda a: a.key):
            if only is None or attribute.key in only:
                value = getattr(record, attribute.key)
                mac.update(f"{attribute.key}={len(repr(value))}:{value!r};".encode())
    return mac.hexdigest()[:32]


def check(
    session: Session,
    opened: str | None,
    *records: DeclarativeBase,
    only: Collection[str] | None = None,
    also: Callable[[], Iterable[object]] = tuple,
) -> None:
    """Refuse (``ChangedMeanwhile``) to change ``records`` when they are no longer as
    they were when the form was opened (its stamp ``opened``); ``also`` gives, once they
    are read again, what ``of`` was given as ``also``. Each row is read again
    under a lock held until the save ends (the row's on PostgreSQL, the database's write
    lock on SQLite), so two saves cannot both pass. The refusal names who changed them
    last and when, if a record keeps that. A form sent without a stamp (a page opened
    before forms had one) is accepted."""
    if not well_formed(opened):
        return
    read_for_change(session, *records)
    if not hmac.compare_digest(of(session, *records, only=only, also=also()), opened or ""):
        raise ChangedMeanwhile(*_last_change(session, records))


def _last_change(
    session: Session, records: Iterable[DeclarativeBase]
) -> tuple[datetime | None, str | None]:
    """When the latest change the ``records`` keep was saved, and the display name of who
    saved it (``None`` for what none of them keeps)."""
    kept = [
        (at, record.changed_by_id)
        for record in records
        if isinstance(record, LastChanged) and (at := record.changed_at) is not None
    ]
    if not kept:
        return None, None
    at, user_id = max(kept, key=lambda change: change[0])
    by = session.get(User, user_id) if user_id is not None else None
    return at, by.display_name if by is not None else None
