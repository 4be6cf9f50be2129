"""Community Trigger reviews: the panel's sitting, the outcome, the appeal, the rules met
and each relevant body's counted complaints; recommendations, requests to bring a case,
letters to the applicant by e-mail; two more kinds of notice.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 20:54:24.086703
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_NOTICES = (
    "invitation",
    "information_request",
    "minutes_circulated",
    "minutes_agreed",
    "action_due",
)
_NEW_NOTICES = ("trigger_review", "recommendation")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table(
        "trigger_body_counts",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_trigger_body_counts_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["trigger_applications.id"],
            name=op.f("fk_trigger_body_counts_application_id_trigger_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "agency_id", name=op.f("pk_trigger_body_counts")),
    )
    op.create_table(
        "trigger_case_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_trigger_case_requests_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["trigger_applications.id"],
            name=op.f("fk_trigger_case_requests_application_id_trigger_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_trigger_case_requests_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_trigger_case_requests_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_case_requests")),
    )
    with op.batch_alter_table("trigger_case_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trigger_case_requests_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "trigger_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "acknowledgement",
                "threshold",
                "outcome",
                "appeal_decision",
                name="letter_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_why", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["trigger_applications.id"],
            name=op.f("fk_trigger_letters_application_id_trigger_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_letters")),
        sa.UniqueConstraint(
            "application_id", "kind", name=op.f("uq_trigger_letters_application_id")
        ),
    )
    with op.batch_alter_table("trigger_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trigger_letters_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trigger_letters_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "trigger_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("on_appeal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("completion_note", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["trigger_applications.id"],
            name=op.f("fk_trigger_recommendations_application_id_trigger_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"],
            ["users.id"],
            name=op.f("fk_trigger_recommendations_completed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_trigger_recommendations_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agencies.id"],
            name=op.f("fk_trigger_recommendations_owner_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_recommendations")),
    )
    with op.batch_alter_table("trigger_recommendations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trigger_recommendations_application_id"),
            ["application_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_trigger_recommendations_owner_agency_id"),
            ["owner_agency_id"],
            unique=False,
        )

    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules_met", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("review_sitting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_convened_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("review_convened_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("outcome_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("appeal_received_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "appeal_decision",
                sa.Enum(
                    "upheld",
                    "partly_upheld",
                    "not_upheld",
                    name="appeal_decision",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("appeal_decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("outcome_findings", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("outcome_next_steps", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("appeal_reasons", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("appeal_findings", sa.LargeBinary(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_trigger_applications_review_sitting_id"),
            ["review_sitting_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_trigger_applications_review_convened_by_id_users"),
            "users",
            ["review_convened_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_trigger_applications_review_sitting_id_meeting_sittings"),
            "meeting_sittings",
            ["review_sitting_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_trigger_applications_outcome_by_id_users"),
            "users",
            ["outcome_by_id"],
            ["id"],
        )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_enum("notice_kind", *_NOTICES),
            type_=_enum("notice_kind", *_NOTICES, *_NEW_NOTICES),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM notices WHERE kind IN ('trigger_review', 'recommendation')"))
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_enum("notice_kind", *_NOTICES, *_NEW_NOTICES),
            type_=_enum("notice_kind", *_NOTICES),
            existing_nullable=False,
        )
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_trigger_applications_outcome_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_trigger_applications_review_sitting_id_meeting_sittings"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_trigger_applications_review_convened_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_trigger_applications_review_sitting_id"))
        batch_op.drop_column("appeal_findings")
        batch_op.drop_column("appeal_reasons")
        batch_op.drop_column("outcome_next_steps")
        batch_op.drop_column("outcome_findings")
        batch_op.drop_column("appeal_decided_on")
        batch_op.drop_constraint(
            batch_op.f("ck_trigger_applications_appeal_decision"), type_="check"
        )
        batch_op.drop_column("appeal_decision")
        batch_op.drop_column("appeal_received_on")
        batch_op.drop_column("outcome_by_id")
        batch_op.drop_column("outcome_on")
        batch_op.drop_column("review_convened_by_id")
        batch_op.drop_column("review_convened_at")
        batch_op.drop_column("review_sitting_id")
        batch_op.drop_column("rules_met")

    with op.batch_alter_table("trigger_recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_recommendations_owner_agency_id"))
        batch_op.drop_index(batch_op.f("ix_trigger_recommendations_application_id"))

    op.drop_table("trigger_recommendations")
    with op.batch_alter_table("trigger_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_letters_sent_at"))
        batch_op.drop_index(batch_op.f("ix_trigger_letters_application_id"))

    op.drop_table("trigger_letters")
    with op.batch_alter_table("trigger_case_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_case_requests_application_id"))

    op.drop_table("trigger_case_requests")
    op.drop_table("trigger_body_counts")
