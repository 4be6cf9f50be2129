"""Each blind index entry says which normalising rules made it (``blind_indexes.rules``).

Rules 2 fold what people type differently for the same surname: accents ("Wiśniewski" is
"Wisniewski"), apostrophes and dashes of every kind, and invisible characters. A migration
cannot reach the key store to hash the values again, so the entries already made keep
rules 1 (a surname with none of those characters hashes the same under both). Postcodes, phone
numbers and UPRNs are normalised as before, so their entries are marked as made under
rules 2 here. ``hub keys status`` counts the records still indexed under older rules, and
``hub keys reindex`` indexes them again.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-05 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "blind_indexes",
        sa.Column("rules", sa.SmallInteger(), server_default="1", nullable=False),
    )
    op.execute(
        sa.text("UPDATE blind_indexes SET rules = 2 WHERE field NOT IN ('surname', 'surname_dob')")
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE blind_indexes DROP COLUMN rules")  # in place, as it was added
    else:
        op.drop_column("blind_indexes", "rules")
