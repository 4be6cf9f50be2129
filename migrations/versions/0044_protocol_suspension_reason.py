"""Why a protocol was suspended, by whom and when: the reason chosen from a short list
(the audit entry names it too), and the DPO's optional note for the other parties, which
is kept with the protocol and never in the audit log.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None


_REASONS = (
    "data_incident",
    "breach_of_terms",
    "lawful_basis",
    "regulator",
    "party_leaving",
    "other",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy of protocols would drop the table every share, clause
        # and signature refers to, which SQLite refuses once it holds any.
        allowed = ", ".join(f"'{reason}'" for reason in _REASONS)
        for column in (
            f"suspension_reason VARCHAR(40) CONSTRAINT ck_protocols_suspension_reason "
            f"CHECK (suspension_reason IN ({allowed}))",
            "suspension_note VARCHAR(500)",
            "suspended_at DATETIME",
            "suspended_by_id INTEGER CONSTRAINT fk_protocols_suspended_by_id_users "
            "REFERENCES users (id)",
        ):
            op.execute(f"ALTER TABLE protocols ADD COLUMN {column}")
        return
    with op.batch_alter_table("protocols", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "suspension_reason",
                sa.Enum(
                    *_REASONS,
                    name="suspension_reason",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("suspension_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("suspended_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_protocols_suspended_by_id_users"), "users", ["suspended_by_id"], ["id"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column in ("suspended_by_id", "suspended_at", "suspension_note", "suspension_reason"):
            op.execute(f"ALTER TABLE protocols DROP COLUMN {column}")  # in place, as added
        return
    with op.batch_alter_table("protocols", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_protocols_suspended_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("suspended_by_id")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("suspension_note")
        batch_op.drop_constraint(batch_op.f("ck_protocols_suspension_reason"), type_="check")
        batch_op.drop_column("suspension_reason")
