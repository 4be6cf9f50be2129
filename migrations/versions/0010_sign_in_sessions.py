"""Signed-in sessions live on the server: the cookie carries a key to a row here, so
signing out, the idle limit, "sign out everywhere", a reset or a disabled account end a
session wherever its cookie has been copied. Sessions signed in before this revision
(identified by the user's session token) end: everyone signs in again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ENDINGS = (
    "signed_out",
    "idle",
    "signed_out_everywhere",
    "ended_by_manager",
    "password_reset",
    "second_factor_reset",
    "account_disabled",
)


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column(
            "ended_why",
            sa.Enum(
                *_ENDINGS, name="session_end", native_enum=False, create_constraint=True, length=40
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_sign_in_sessions_key_hash")),
    )
    with op.batch_alter_table("sign_in_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_sessions")
