"""Partnership meetings: a standing group (its members and sittings), each case on a
sitting's agenda a conference of its own.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 17:45:44.135906
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "cadence",
            sa.Enum(
                "weekly",
                "fortnightly",
                "monthly",
                "quarterly",
                name="cadence",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("set_up_by_id", sa.Integer(), nullable=False),
        sa.Column("set_up_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_meeting_series_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_meeting_series_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["users.id"], name=op.f("fk_meeting_series_chair_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_meeting_series_protocol_id_protocols")
        ),
        sa.ForeignKeyConstraint(
            ["set_up_by_id"], ["users.id"], name=op.f("fk_meeting_series_set_up_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
    )
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_series_area_id"), ["area_id"], unique=False)

    op.create_table(
        "meeting_series_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meeting_series_members_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_series_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series_members")),
        sa.UniqueConstraint(
            "series_id", "user_id", name=op.f("uq_meeting_series_members_series_id")
        ),
    )
    with op.batch_alter_table("meeting_series_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_series_members_series_id"), ["series_id"], unique=False
        )

    op.create_table(
        "meeting_sittings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("scheduled_by_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheduled_by_id"],
            ["users.id"],
            name=op.f("fk_meeting_sittings_scheduled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meeting_sittings_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_sittings")),
    )
    with op.batch_alter_table("meeting_sittings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_sittings_series_id"), ["series_id"], unique=False
        )

    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sitting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_conferences_sitting_id"), ["sitting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_conferences_sitting_id_meeting_sittings"),
            "meeting_sittings",
            ["sitting_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_conferences_sitting_id_meeting_sittings"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_conferences_sitting_id"))
        batch_op.drop_column("sitting_id")

    with op.batch_alter_table("meeting_sittings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_sittings_series_id"))

    op.drop_table("meeting_sittings")
    with op.batch_alter_table("meeting_series_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_series_members_series_id"))

    op.drop_table("meeting_series_members")
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_series_area_id"))

    op.drop_table("meeting_series")
