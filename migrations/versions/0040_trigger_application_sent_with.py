"""Community Trigger applications sent on the public form keep the token of the "check
your answers" page they were sent from, so that page sent again records nothing more.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_with", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_trigger_applications_sent_with"), ["sent_with"]
        )


def downgrade() -> None:
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_trigger_applications_sent_with"), type_="unique")
        batch_op.drop_column("sent_with")
