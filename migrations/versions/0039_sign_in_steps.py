"""A sign-in half done (the security code, or setting up the authenticator app, still to
come) is kept on the server, as sessions are: the browser's cookie carries only a random
key for it, never the authenticator key being set up nor the user's token. The key being
set up under "Your account" is kept with the session it is set up in.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_token", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("next_page", sa.Text(), nullable=False),
        sa.Column("totp_set_up", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_steps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_steps")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_sign_in_steps_key_hash")),
    )
    with op.batch_alter_table("sign_in_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_steps_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sign_in_steps_started_at"), ["started_at"], unique=False
        )
    with op.batch_alter_table("sign_in_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_set_up", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sign_in_sessions", schema=None) as batch_op:
        batch_op.drop_column("totp_set_up")
    with op.batch_alter_table("sign_in_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_steps_started_at"))
        batch_op.drop_index(batch_op.f("ix_sign_in_steps_user_id"))
    op.drop_table("sign_in_steps")
