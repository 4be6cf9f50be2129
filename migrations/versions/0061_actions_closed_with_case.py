"""An action still open when its case closed is closed with it: ``actions.closed_with_case``
says so (its status is cancelled, its closing the case's, by whoever closed the case), so
its owners' lists and the case's page can say why. Actions closed before this migration
were each marked done or cancelled by someone, so they are false.

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0061"
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "actions",
        sa.Column("closed_with_case", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE actions DROP COLUMN closed_with_case")  # in place, as it was added
    else:
        op.drop_column("actions", "closed_with_case")
