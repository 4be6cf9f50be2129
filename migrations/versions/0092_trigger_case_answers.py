"""An agency's answer to a Community Trigger lead asking about one of its cases: the
complaint confirmed on the case, or none held and why, chosen from a short list (no free
text), when it answered and who.

Revision ID: 0092
Revises: 0091
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0092"
down_revision = "0091"
branch_labels = None
depends_on = None

_TABLE = "trigger_case_requests"
_ANSWERS = ("confirmed", "someone_else", "not_asb", "in_error")
_FK = "fk_trigger_case_requests_answered_by_id_users"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place, as the other tables of the Community Trigger are changed.
        allowed = ", ".join(f"'{answer}'" for answer in _ANSWERS)
        for column in (
            f"answer VARCHAR(40) CONSTRAINT ck_trigger_case_requests_case_request_answer "
            f"CHECK (answer IN ({allowed}))",
            "answered_at DATETIME",
            f"answered_by_id INTEGER CONSTRAINT {_FK} REFERENCES users (id)",
        ):
            op.execute(f"ALTER TABLE {_TABLE} ADD COLUMN {column}")
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "answer",
                sa.Enum(
                    *_ANSWERS,
                    name="case_request_answer",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f(_FK), "users", ["answered_by_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for column in ("answered_by_id", "answered_at", "answer"):
            op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {column}")  # in place, as added
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_FK), type_="foreignkey")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("answered_at")
        batch_op.drop_constraint(
            batch_op.f("ck_trigger_case_requests_case_request_answer"), type_="check"
        )
        batch_op.drop_column("answer")
