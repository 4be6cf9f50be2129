"""Who a Community Trigger applicant reported the behaviour to, as the lead corrected it,
and why (sealed like the applicant's own answer, which is kept beside it as they said it).

Revision ID: 0083
Revises: 0082
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0083"
down_revision = "0082"
branch_labels = None
depends_on = None

_COLUMNS = ("reported_to_corrected", "reported_to_reason")


def upgrade() -> None:
    for name in _COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            # In place: a batch copy would drop a table others refer to, which SQLite
            # refuses once they hold rows (as 0078 does).
            op.execute(f"ALTER TABLE trigger_applications ADD COLUMN {name} BLOB")
        else:
            op.add_column("trigger_applications", sa.Column(name, sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for name in reversed(_COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE trigger_applications DROP COLUMN {name}")  # as added
        else:
            op.drop_column("trigger_applications", name)
