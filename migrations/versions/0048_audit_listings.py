"""An index of the records the log's entries list by identifier (the cases a search or an
export showed, the people a subject access search found): a DPO's log of one case finds
the entries that showed it without reading every entry's basis. The entries already in the
log are indexed here, a batch at a time.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None

#: As ``sharing.audit.listings`` reads a basis when this migration was written.
_KINDS = ("cases", "persons", "applications", "recommendations")
_BATCH = 10_000


def upgrade() -> None:
    listings = op.create_table(
        "audit_listings",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("listed_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("kind", "listed_id", "seq", name=op.f("pk_audit_listings")),
    )
    connection = op.get_bind()
    entries = sa.table("audit_entries", sa.column("seq", sa.Integer), sa.column("basis", sa.Text))
    listing = sa.or_(*(entries.c.basis.like(f"%{kind} %") for kind in _KINDS))
    after = -1
    while True:
        batch = connection.execute(
            sa.select(entries.c.seq, entries.c.basis)
            .where(entries.c.seq > after, listing)
            .order_by(entries.c.seq)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        rows = [
            {"kind": kind, "listed_id": listed_id, "seq": seq}
            for seq, basis in batch
            for kind in _KINDS
            for listed_id in sorted(_listed(basis, kind))
        ]
        if rows:
            connection.execute(sa.insert(listings), rows)
        after = batch[-1].seq


def downgrade() -> None:
    op.drop_table("audit_listings")


def _listed(basis: str, kind: str) -> set[int]:
    for part in basis.split("; "):
        label, _, values = part.partition(" ")
        if label == kind:
            return {int(v) for v in values.split(",") if v.isascii() and v.isdigit()}
    return set()
