"""A conference's meeting: attendance, the minute of each agenda item, decisions, and
where the minutes are (draft, circulated, agreed).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:14:38.792082
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conference_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "legal_action",
                "continue",
                "refer",
                "partnership",
                "close",
                "other",
                name="decision_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "tool",
            sa.Enum(
                "perpetrator_visit",
                "warning_letter",
                "early_intervention_housing",
                "early_intervention_other",
                "referral_other_agency",
                "referral_police",
                "mediation",
                "good_neighbour_agreement",
                "abc",
                "family_intervention",
                "support_referral",
                "safeguarding_referral",
                "victim_support",
                "community_protection_notice",
                "notice_seeking_possession",
                "injunction",
                "closure_order",
                "management_transfer",
                "other_legal",
                "eviction",
                "surrender",
                "other",
                name="action_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("acting_agency_id", sa.Integer(), nullable=True),
        sa.Column("dissenting_agency_id", sa.Integer(), nullable=True),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("decision", sa.LargeBinary(), nullable=True),
        sa.Column("proportionality", sa.LargeBinary(), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("vulnerability", sa.LargeBinary(), nullable=True),
        sa.Column("dissent", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acting_agency_id"],
            ["agencies.id"],
            name=op.f("fk_conference_decisions_acting_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_decisions_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dissenting_agency_id"],
            ["agencies.id"],
            name=op.f("fk_conference_decisions_dissenting_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["users.id"],
            name=op.f("fk_conference_decisions_written_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_decisions")),
    )
    with op.batch_alter_table("conference_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_decisions_conference_id"), ["conference_id"], unique=False
        )

    op.create_table(
        "conference_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("heading", sa.LargeBinary(), nullable=True),
        sa.Column("discussion", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_conference_minutes_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["users.id"], name=op.f("fk_conference_minutes_written_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_minutes")),
    )
    with op.batch_alter_table("conference_minutes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_minutes_conference_id"), ["conference_id"], unique=False
        )

    with op.batch_alter_table("conference_attendees", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attendance",
                sa.Enum(
                    "present",
                    "apologies",
                    "deputy",
                    "absent",
                    name="attendance",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("deputy_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conference_attendees_deputy_id_users"), "users", ["deputy_id"], ["id"]
        )

    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "minutes_status",
                sa.Enum(
                    "draft",
                    "circulated",
                    "agreed",
                    name="minutes_status",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("minutes_circulated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("minutes_agreed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("minutes_agreed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conferences_minutes_agreed_by_id_users"),
            "users",
            ["minutes_agreed_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_conferences_minutes_agreed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_conferences_minutes_status"), type_="check")
        batch_op.drop_column("minutes_agreed_by_id")
        batch_op.drop_column("minutes_agreed_at")
        batch_op.drop_column("minutes_circulated_at")
        batch_op.drop_column("minutes_status")

    with op.batch_alter_table("conference_attendees", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_conference_attendees_deputy_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_conference_attendees_attendance"), type_="check")
        batch_op.drop_column("deputy_id")
        batch_op.drop_column("attendance")

    with op.batch_alter_table("conference_minutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_minutes_conference_id"))

    op.drop_table("conference_minutes")
    with op.batch_alter_table("conference_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_decisions_conference_id"))

    op.drop_table("conference_decisions")
