"""A letter to a Community Trigger applicant e-mailed before a correction of who applied
or their contact is marked as gone to the earlier details (``superseded_at``), and the
lead may send a corrected copy of it: a letter of the same kind, numbered (``copy``: 0
for the letter itself), so one application holds one letter of each kind and number.

Revision ID: 0070
Revises: 0069
Create Date: 2026-12-09 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070"
down_revision = "0069"
branch_labels = None
depends_on = None

_UNIQUE = "uq_trigger_letters_application_id"


def upgrade() -> None:
    with op.batch_alter_table("trigger_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copy", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(_UNIQUE, ["application_id", "kind", "copy"])


def downgrade() -> None:
    op.execute("DELETE FROM trigger_letters WHERE copy > 0")
    with op.batch_alter_table("trigger_letters", schema=None) as batch_op:
        batch_op.drop_constraint(_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(_UNIQUE, ["application_id", "kind"])
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("copy")
