"""The entries of one agency's users, newest first, found through an index: a DPO's log
of an agency whose entries are few among many no longer reads the whole log.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_entries_actor_agency", ["actor_agency_id", "seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_actor_agency")
