"""Who a Community Trigger applicant says they reported the behaviour to, and roughly when
(sealed like the application's other answers).

Revision ID: 0078
Revises: 0077
Create Date: 2026-12-06 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0078"
down_revision = "0077"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table others refer to, which SQLite refuses
        # once they hold rows (as 0047 does).
        op.execute("ALTER TABLE trigger_applications ADD COLUMN reported_to BLOB")
        return
    op.add_column("trigger_applications", sa.Column("reported_to", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE trigger_applications DROP COLUMN reported_to")  # in place, as added
        return
    op.drop_column("trigger_applications", "reported_to")
