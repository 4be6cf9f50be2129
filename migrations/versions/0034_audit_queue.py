"""The audit queue: entries written by acts' transactions, waiting for the integrator to
add them to the log (issue 21: audit without a global critical section).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03 17:45:45.475707
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_agency_id", sa.Integer(), nullable=True),
        sa.Column("actor_roles", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=True),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("purpose", sa.String(length=60), nullable=True),
        sa.Column("basis", sa.String(length=1000), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_queue")),
    )


def downgrade() -> None:
    op.drop_table("audit_queue")
