"""The file store checked against the database (``hub documents check``): every case
file and preview read back and compared with the SHA-256 its document holds, and the
store's files no document names counted, and deleted once old enough that no attach can
still be saving them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sharing.files.stores import FileStore, MissingFile
from sharing.models import Case, Document
from sharing.models.documents import CONTENT, PREVIEW

#: How long ago a file no document names must have been written for ``delete_orphans``
#: to delete it. An attach writes its file to the store a moment before its document is
#: committed, so a recent file may be one whose document is still being saved; an hour
#: is far longer than any attach takes.
ORPHAN_GRACE = timedelta(hours=1)
#: Files no document names deleted at a time, each batch checked against the database
#: just before.
ORPHAN_BATCH = 500


@dataclass(frozen=True)
class StoreReport:
    """What ``check_store`` found: the documents checked; those whose file or preview is
    missing or altered, as (case reference, document id, part); and the store's files no
    document names (left by an attach that did not complete, or a removal half done, or
    written by an attach still being saved), with when each was written."""

    checked: int
    missing: list[tuple[str, int, str]]
    altered: list[tuple[str, int, str]]
    orphans: list[tuple[str, datetime]]


def check_store(session: Session, store: FileStore) -> StoreReport:
    """Every document's file and preview read back from the store and checked against the
    SHA-256 the database holds (nothing is decrypted), and the store's files no document
    names. For an operator (``hub documents check``), after a restore or a migration of
    the store; it reads every file once."""
    missing: list[tuple[str, int, str]] = []
    altered: list[tuple[str, int, str]] = []
    named: set[str] = set()
    rows = session.execute(
        select(
            Document.id,
            Case.reference,
            Document.storage_key,
            Document.digest,
            Document.preview_key,
            Document.preview_digest,
        )
        .join(Case, Case.id == Document.case_id)
        .order_by(Document.id)
    ).all()
    for row in rows:
        parts = [(CONTENT, row.storage_key, row.digest)]
        if row.preview_key is not None:
            parts.append((PREVIEW, row.preview_key, row.preview_digest))
        for part, key, digest in parts:
            named.add(key)
            try:
                sealed = store.get(key)
            except MissingFile:
                missing.append((row.reference, row.id, part))
                continue
            if hashlib.sha256(sealed).hexdigest() != digest:
                altered.append((row.reference, row.id, part))
    orphans = sorted((key, at) for key, at in store.written() if key not in named)
    return StoreReport(len(rows), missing, altered, orphans)


def delete_orphans(
    new_session: Callable[[], Session], store: FileStore, orphans: list[tuple[str, datetime]]
) -> tuple[int, int]:
    """Delete the files no document names (``check_store``'s orphans) written more than
    ``ORPHAN_GRACE`` ago, a batch at a time, each batch read against the database again
    just before (in a session of its own, so that a document saved since the check keeps
    its file); those written since are left, for an attach may still be saving them.
    Returns how many were deleted and how many left as too recent."""
    # The store's clock, the real one: its files' times are not the partnership's clock.
    written_before = datetime.now(UTC) - ORPHAN_GRACE
    old = [key for key, at in orphans if at < written_before]
    deleted = 0
    for start in range(0, len(old), ORPHAN_BATCH):
        batch = old[start : start + ORPHAN_BATCH]
        with new_session() as session:
            named = _named_keys(session, batch)
        for key in batch:
            if key not in named:
                store.delete(key)
                deleted += 1
    return deleted, len(orphans) - len(old)


def _named_keys(session: Session, keys: list[str]) -> set[str]:
    """Those of ``keys`` a document names, as its file or its preview."""
    rows = session.execute(
        select(Document.storage_key, Document.preview_key).where(
            or_(Document.storage_key.in_(keys), Document.preview_key.in_(keys))
        )
    )
    return {key for row in rows for key in row if key is not None} & set(keys)
