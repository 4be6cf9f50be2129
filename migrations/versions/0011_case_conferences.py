"""Case conferences: the conference (its question and agenda sealed under the case), the
agencies invited (each invitation a share) and the named attendees.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:11:21.388416
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "held",
                "cancelled",
                name="conference_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("share_days", sa.Integer(), nullable=False),
        sa.Column("convened_by_id", sa.Integer(), nullable=False),
        sa.Column("convened_at", sa.DateTime(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.LargeBinary(), nullable=True),
        sa.Column("agenda", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_conferences_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["users.id"], name=op.f("fk_conferences_chair_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["convened_by_id"], ["users.id"], name=op.f("fk_conferences_convened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_conferences_escalation_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_conferences_protocol_id_protocols")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conferences")),
    )
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conferences_case_id"), ["case_id"], unique=False)

    op.create_table(
        "conference_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_attendees_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_conference_attendees_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_attendees")),
        sa.UniqueConstraint(
            "conference_id", "user_id", name=op.f("uq_conference_attendees_conference_id")
        ),
    )
    with op.batch_alter_table("conference_attendees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_attendees_conference_id"), ["conference_id"], unique=False
        )

    op.create_table(
        "conference_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_conference_invitations_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_invitations_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name=op.f("fk_conference_invitations_share_id_shares")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["users.id"],
            name=op.f("fk_conference_invitations_withdrawn_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_invitations")),
        sa.UniqueConstraint(
            "conference_id", "agency_id", name=op.f("uq_conference_invitations_conference_id")
        ),
    )
    with op.batch_alter_table("conference_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_invitations_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conference_invitations_conference_id"), ["conference_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conference_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_invitations_conference_id"))
        batch_op.drop_index(batch_op.f("ix_conference_invitations_agency_id"))

    op.drop_table("conference_invitations")
    with op.batch_alter_table("conference_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_attendees_conference_id"))

    op.drop_table("conference_attendees")
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conferences_case_id"))

    op.drop_table("conferences")
