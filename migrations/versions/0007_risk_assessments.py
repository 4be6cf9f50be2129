"""Risk assessments: Risk Assessment Matrix assessments, triage changes, escalation
prompts, when a case's risk review is due, and the alert partners get on an escalation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 20:46:06.533093
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


_ALERT_KINDS = ("break_glass", "protocol_review", "lock_request")


def _alert_kind(*kinds: str) -> sa.Enum:
    return sa.Enum(*kinds, name="alert_kind", native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("matrix_key", sa.String(length=40), nullable=False),
        sa.Column("matrix_version", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "initial",
                "review",
                "change",
                "closure",
                name="assessment_stage",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column(
            "score_band",
            sa.Enum(
                "low",
                "medium",
                "high",
                name="risk_score_band",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "band",
            sa.Enum(
                "low",
                "medium",
                "high",
                name="risk_band",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("assessed_at", sa.DateTime(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=False),
        sa.Column("risk_answers", sa.LargeBinary(), nullable=True),
        sa.Column("vulnerability_answers", sa.LargeBinary(), nullable=True),
        sa.Column("adjustment_reason", sa.LargeBinary(), nullable=True),
        sa.Column("support_needs", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["users.id"], name=op.f("fk_risk_assessments_assessed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_risk_assessments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_risk_assessments_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessments")),
    )
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_assessments_assessed_at"), ["assessed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_risk_assessments_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_risk_assessments_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "triage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "priority_from",
            sa.Enum(
                "red_urgent",
                "red_high",
                "amber",
                name="priority_from",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority_to",
            sa.Enum(
                "red_urgent",
                "red_high",
                "amber",
                name="priority_to",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "triage_from",
            sa.Enum(
                "advice_only",
                "low_level",
                "serious",
                name="triage_from",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "triage_to",
            sa.Enum(
                "advice_only",
                "low_level",
                "serious",
                name="triage_to",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_triage_changes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_triage_changes_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_changes")),
    )
    with op.batch_alter_table("triage_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_changes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "high_risk",
                "hate_incident",
                name="escalation_reason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("considered_at", sa.DateTime(), nullable=True),
        sa.Column("considered_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["risk_assessments.id"],
            name=op.f("fk_escalations_assessment_id_risk_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_escalations_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["considered_by_id"], ["users.id"], name=op.f("fk_escalations_considered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_escalations_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalations_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_review_due_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cases_risk_review_due_on"), ["risk_review_due_on"], unique=False
        )

    # Open red cases are risk assessed at the outset: those already open are due now.
    cases = sa.table(
        "cases",
        sa.column("status", sa.String),
        sa.column("priority", sa.String),
        sa.column("risk_review_due_on", sa.Date),
    )
    op.execute(
        cases.update()
        .where(cases.c.status != "closed", cases.c.priority.in_(["red_urgent", "red_high"]))
        .values(risk_review_due_on=date.today())
    )

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_alert_kind(*_ALERT_KINDS),
            type_=_alert_kind(*_ALERT_KINDS, "risk_escalation"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM alerts WHERE kind = 'risk_escalation'"))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_alert_kind(*_ALERT_KINDS, "risk_escalation"),
            type_=_alert_kind(*_ALERT_KINDS),
            existing_nullable=False,
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_risk_review_due_on"))
        batch_op.drop_column("risk_review_due_on")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_case_id"))

    op.drop_table("escalations")
    with op.batch_alter_table("triage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_changes_case_id"))

    op.drop_table("triage_changes")
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_assessments_person_id"))
        batch_op.drop_index(batch_op.f("ix_risk_assessments_case_id"))
        batch_op.drop_index(batch_op.f("ix_risk_assessments_assessed_at"))

    op.drop_table("risk_assessments")
