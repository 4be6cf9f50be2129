"""The applicant may withdraw their appeal (``appeal_withdrawn_on``: the day they did,
which ends the appeal without a decision), and a letter to a Community Trigger applicant
that goes by post is tracked: one with no e-mail address to go to is a row of its own
(``by_post``), and the lead marks any letter as posted (``posted_at``, ``posted_by_id``).
Letters printed before this revision have no row: they are not listed as still to post.

Revision ID: 0074
Revises: 0073
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0074"
down_revision = "0073"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not a batch copy: other tables refer to the applications.
    op.add_column("trigger_applications", sa.Column("appeal_withdrawn_on", sa.Date()))
    with op.batch_alter_table("trigger_letters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("by_post", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("posted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_trigger_letters_posted_by_id_users"), "users", ["posted_by_id"], ["id"]
        )


def downgrade() -> None:
    # A letter's row that only says it is to go by post, or was posted, was no row before.
    op.execute(
        "DELETE FROM trigger_letters WHERE sent_at IS NULL AND (by_post OR posted_at IS NOT NULL)"
    )
    with op.batch_alter_table("trigger_letters", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_trigger_letters_posted_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("posted_by_id")
        batch_op.drop_column("posted_at")
        batch_op.drop_column("by_post")
    op.drop_column("trigger_applications", "appeal_withdrawn_on")
