"""The postal address, sealed, of a third party who applied to the Community Trigger for a
victim, for the letters when they gave no e-mail address.

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0055"
down_revision = "0054"
branch_labels = None
depends_on = None

_TABLE = "trigger_applications"
_COLUMN = "applicant_address"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows.
        op.execute(f"ALTER TABLE {_TABLE} ADD COLUMN {_COLUMN} BLOB")
        return
    op.add_column(_TABLE, sa.Column(_COLUMN, sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {_COLUMN}")
        return
    op.drop_column(_TABLE, _COLUMN)
