"""Information requests before a case conference: what each invited agency is asked, and
its answer, each part sealed under the case under its data category.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:50:27.917968
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "information_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("known", sa.Boolean(), nullable=True),
        sa.Column("incidents_note", sa.LargeBinary(), nullable=True),
        sa.Column("risk_note", sa.LargeBinary(), nullable=True),
        sa.Column("actions_note", sa.LargeBinary(), nullable=True),
        sa.Column("concerns_note", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_information_requests_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_information_requests_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_information_requests_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_requests")),
        sa.UniqueConstraint(
            "conference_id", "agency_id", name=op.f("uq_information_requests_conference_id")
        ),
    )
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_information_requests_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_information_requests_conference_id"), ["conference_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_requests_conference_id"))
        batch_op.drop_index(batch_op.f("ix_information_requests_agency_id"))

    op.drop_table("information_requests")
