"""A notice or a letter to a Community Trigger applicant records when a delivery took it to
send it, so that the claim is committed before the mail server is asked (no lock held
while it answers) and a claim left by a delivery that died runs out.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None

_TABLES = ("notices", "trigger_letters")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop tables that others refer to.
        for table in _TABLES:
            op.execute(f"ALTER TABLE {table} ADD COLUMN claimed_at DATETIME")
        return
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN claimed_at")
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("claimed_at")
