"""Community Trigger (ASB Case Review) applications, with the victim's and any third
party's details sealed under each application's own data key, and the threshold decision.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 18:43:33.299425
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trigger_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("lead_agency_id", sa.Integer(), nullable=False),
        sa.Column("procedure_key", sa.String(length=80), nullable=False),
        sa.Column("procedure_version", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "online",
                "phone",
                "letter",
                "email",
                "in_person",
                name="trigger_channel",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column(
            "victim_kind",
            sa.Enum(
                "person",
                "business",
                "community_group",
                name="victim_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "on_behalf",
            sa.Enum(
                "family",
                "carer",
                "councillor",
                "mp",
                "other",
                name="on_behalf",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("consent_recorded", sa.Boolean(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "met",
                "not_met",
                "discretion",
                name="threshold_decision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("advice", sa.String(length=500), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("data_key_id", sa.Integer(), nullable=True),
        sa.Column("victim_given_names", sa.LargeBinary(), nullable=True),
        sa.Column("victim_family_name", sa.LargeBinary(), nullable=True),
        sa.Column("victim_date_of_birth", sa.LargeBinary(), nullable=True),
        sa.Column("victim_phone", sa.LargeBinary(), nullable=True),
        sa.Column("victim_email", sa.LargeBinary(), nullable=True),
        sa.Column("victim_address", sa.LargeBinary(), nullable=True),
        sa.Column("victim_postcode", sa.LargeBinary(), nullable=True),
        sa.Column("victim_uprn", sa.LargeBinary(), nullable=True),
        sa.Column("applicant_name", sa.LargeBinary(), nullable=True),
        sa.Column("applicant_contact", sa.LargeBinary(), nullable=True),
        sa.Column("problem", sa.LargeBinary(), nullable=True),
        sa.Column("consent_note", sa.LargeBinary(), nullable=True),
        sa.Column("decision_reasons", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_trigger_applications_data_key_id_data_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_trigger_applications_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_agency_id"],
            ["agencies.id"],
            name=op.f("fk_trigger_applications_lead_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_trigger_applications_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_trigger_applications_reference")),
    )
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trigger_applications_lead_agency_id"), ["lead_agency_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trigger_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_applications_lead_agency_id"))

    op.drop_table("trigger_applications")
