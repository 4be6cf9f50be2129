"""The index of the records the log's entries list also holds the case an entry names on
its own (``case 3; …``: a conference's page, pack and minutes read or written, a case
brought to a meeting's sitting) and the cases a subject access report showed (``person
record and cases 3,4; …``), so that the DPO of the case's agency finds them in its log.
The index is made again from the entries already in the log, a batch at a time.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None

#: As ``sharing.audit.listings`` reads a basis when this migration was written.
_KINDS = ("cases", "persons", "applications", "recommendations")
_ONE_CASE = "case"
#: A search of the log names the case it was filtered by, not one it showed.
_LOG_SEARCHED = "audit_log"
_BATCH = 10_000


def upgrade() -> None:
    _reindex(as_now=True)


def downgrade() -> None:
    _reindex(as_now=False)  # as migration 0048 left it


def _reindex(*, as_now: bool) -> None:
    connection = op.get_bind()
    listings = sa.table(
        "audit_listings",
        sa.column("kind", sa.String),
        sa.column("listed_id", sa.Integer),
        sa.column("seq", sa.Integer),
    )
    entries = sa.table(
        "audit_entries",
        sa.column("seq", sa.Integer),
        sa.column("object_type", sa.String),
        sa.column("basis", sa.Text),
    )
    words = (*_KINDS, _ONE_CASE) if as_now else _KINDS
    listing = sa.or_(*(entries.c.basis.like(f"%{word} %") for word in words))
    connection.execute(sa.delete(listings))
    after = -1
    while True:
        batch = connection.execute(
            sa.select(entries.c.seq, entries.c.object_type, entries.c.basis)
            .where(entries.c.seq > after, listing)
            .order_by(entries.c.seq)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        rows = [
            {"kind": kind, "listed_id": listed_id, "seq": seq}
            for seq, object_type, basis in batch
            for kind, listed_id in sorted(_listings(basis, object_type, as_now=as_now))
        ]
        if rows:
            connection.execute(sa.insert(listings), rows)
        after = batch[-1].seq


def _listings(basis: str, object_type: str | None, *, as_now: bool) -> set[tuple[str, int]]:
    """What an entry lists, read as this migration reads it (``as_now``: the word before
    the identifiers names their kind, and a part ``case N`` names one case), or as
    migration 0048 did (the first word names the kind)."""
    found: set[tuple[str, int]] = set()
    seen: set[str] = set()
    for part in basis.split("; "):
        if as_now:
            words, _, values = part.rpartition(" ")
            label = words.rpartition(" ")[2]
        else:
            label, _, values = part.partition(" ")
        if label in _KINDS and label not in seen:
            seen.add(label)
            found.update((label, int(v)) for v in values.split(",") if _digits(v))
        elif as_now and words == _ONE_CASE and object_type != _LOG_SEARCHED and _digits(values):
            found.add(("cases", int(values)))
    return found


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
