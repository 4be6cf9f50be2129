"""Closure that feeds the figures: whether the behaviour was resolved and the main action
that resolved it (HouseMark's list); the complainant's satisfaction survey and its
answers; a follow-up action kind for a dissatisfied complainant.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 21:47:09.446275
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_KINDS = (
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
)
_NEW_KIND = "dissatisfaction_follow_up"
#: The tables and columns that hold an action kind.
_KIND_COLUMNS = (("actions", "kind", False), ("conference_decisions", "tool", True))


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table(
        "closure_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sa.String(length=80), nullable=False),
        sa.Column("survey_version", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "in_person",
                "phone",
                "declined",
                "unreachable",
                name="survey_channel",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "overall",
            sa.Enum(
                "very_satisfied",
                "fairly_satisfied",
                "neither",
                "fairly_dissatisfied",
                "very_dissatisfied",
                name="satisfaction",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_closure_surveys_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["actions.id"],
            name=op.f("fk_closure_surveys_follow_up_id_actions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_closure_surveys_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_surveys")),
    )
    with op.batch_alter_table("closure_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closure_surveys_case_id"), ["case_id"], unique=True)

    op.create_table(
        "closure_survey_answers",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column(
            "answer",
            sa.Enum(
                "very_satisfied",
                "fairly_satisfied",
                "neither",
                "fairly_dissatisfied",
                "very_dissatisfied",
                name="satisfaction",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["closure_surveys.id"],
            name=op.f("fk_closure_survey_answers_survey_id_closure_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "question", name=op.f("pk_closure_survey_answers")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "closure_outcome",
                sa.Enum(
                    "resolved",
                    "not_resolved",
                    name="closure_outcome",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "resolved_by",
                sa.Enum(
                    "perpetrator_visit",
                    "warning_letter",
                    "early_intervention_housing",
                    "early_intervention_other",
                    "referral_other_agency",
                    "referral_police",
                    "notice_seeking_possession",
                    "family_intervention",
                    "mediation",
                    "management_transfer",
                    "other_legal",
                    "eviction",
                    "surrender",
                    name="intervention",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )

    for table, column, nullable in _KIND_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=_enum("action_kind", *_KINDS, "other"),
                type_=_enum("action_kind", *_KINDS, _NEW_KIND, "other"),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE actions SET kind = 'other' WHERE kind = 'dissatisfaction_follow_up'")
    )
    for table, column, nullable in _KIND_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=_enum("action_kind", *_KINDS, _NEW_KIND, "other"),
                type_=_enum("action_kind", *_KINDS, "other"),
                existing_nullable=nullable,
            )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cases_intervention"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_cases_closure_outcome"), type_="check")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("closure_outcome")

    op.drop_table("closure_survey_answers")
    with op.batch_alter_table("closure_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closure_surveys_case_id"))

    op.drop_table("closure_surveys")
