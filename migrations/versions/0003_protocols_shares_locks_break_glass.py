"""Information sharing protocols and their signatures, shares, lock members and the
lock/unlock flag, break-glass accesses and alerts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:55:18.125800
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "awaiting_signatures",
                "active",
                "suspended",
                "superseded",
                "expired",
                name="protocol_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("review_notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_protocols_imported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["protocols.id"],
            name=op.f("fk_protocols_superseded_by_id_protocols"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocols")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_protocols_key")),
    )
    with op.batch_alter_table("protocols", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_protocols_changed_at"), ["changed_at"], unique=False)

    op.create_table(
        "break_glass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("clause", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("review_note", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_break_glass_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_break_glass_protocol_id_protocols")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_break_glass_reviewed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_break_glass_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass")),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lock_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("named_by_id", sa.Integer(), nullable=False),
        sa.Column("named_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_lock_members_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["named_by_id"], ["users.id"], name=op.f("fk_lock_members_named_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lock_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lock_members")),
        sa.UniqueConstraint("case_id", "user_id", name=op.f("uq_lock_members_case_id")),
    )
    with op.batch_alter_table("lock_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lock_members_case_id"), ["case_id"], unique=False)

    op.create_table(
        "protocol_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_protocol_signatures_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"],
            ["protocols.id"],
            name=op.f("fk_protocol_signatures_protocol_id_protocols"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_protocol_signatures_signed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_signatures")),
        sa.UniqueConstraint(
            "protocol_id", "agency_id", name=op.f("uq_protocol_signatures_protocol_id")
        ),
    )
    with op.batch_alter_table("protocol_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protocol_signatures_protocol_id"), ["protocol_id"], unique=False
        )

    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "manual",
                "conference",
                "trigger",
                name="share_origin",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_shares_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_shares_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_shares_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_shares_protocol_id_protocols")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_shares_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shares_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shares_case_id"), ["case_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "case_officer",
                "manager",
                "partner_viewer",
                "conference_chair",
                "trigger_lead",
                "analyst",
                "dpo",
                "administrator",
                name="alert_role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "break_glass",
                "protocol_review",
                "lock_request",
                name="alert_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.String(length=400), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("break_glass_id", sa.Integer(), nullable=True),
        sa.Column("protocol_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_alerts_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["break_glass_id"],
            ["break_glass.id"],
            name=op.f("fk_alerts_break_glass_id_break_glass"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["protocol_id"], ["protocols.id"], name=op.f("fk_alerts_protocol_id_protocols")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_agency_id"), ["agency_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_cases_locked"), ["locked"], unique=False)

    with op.batch_alter_table("lock_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unlock", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("lock_requests", schema=None) as batch_op:
        batch_op.drop_column("unlock")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_locked"))
        batch_op.drop_column("locked")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_agency_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shares_case_id"))
        batch_op.drop_index(batch_op.f("ix_shares_agency_id"))

    op.drop_table("shares")
    with op.batch_alter_table("protocol_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocol_signatures_protocol_id"))

    op.drop_table("protocol_signatures")
    with op.batch_alter_table("lock_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lock_members_case_id"))

    op.drop_table("lock_members")
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_user_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_case_id"))

    op.drop_table("break_glass")
    with op.batch_alter_table("protocols", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protocols_changed_at"))

    op.drop_table("protocols")
