"""The blind-index lookup covers what a search reads of an entry (its person or case and
agency), so a search reads its bucket from the index alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 00:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_blind_indexes_lookup", table_name="blind_indexes")
    op.create_index(
        "ix_blind_indexes_lookup",
        "blind_indexes",
        ["field", "value", "person_id", "case_id", "agency_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_blind_indexes_lookup", table_name="blind_indexes")
    op.create_index("ix_blind_indexes_lookup", "blind_indexes", ["field", "value"])
