"""A case conference cancelled on its own by its convening agency or its chair, or with
its case as the case is closed or erased: when, by whom, why (a reason from a short
list) and the canceller's note; and the notice that tells its chair and the people
expected.

Revision ID: 0067
Revises: 0066
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0067"
down_revision = "0066"
branch_labels = None
depends_on = None

_TABLE = "conferences"
_REASONS = (
    "no_longer_needed",
    "moved_away",
    "tenancy_ended",
    "convening_again",
    "convened_in_error",
    "other",
    "case_closed",
    "case_erased",
)
_REASON_CHECK = "ck_conferences_conference_cancel_reason"
#: Column, its SQLite type and its type and, for a reference, the table it refers to.
_COLUMNS = (
    ("cancelled_at", "DATETIME", sa.DateTime(), None),
    ("cancelled_by_id", "INTEGER", sa.Integer(), "users"),
    ("cancel_reason", "VARCHAR(40)", sa.String(40), None),
    ("cancel_note", "VARCHAR(500)", sa.String(500), None),
)
_NOTICES = (
    "invitation",
    "information_request",
    "minutes_circulated",
    "minutes_agreed",
    "action_due",
    "trigger_review",
    "recommendation",
    "case_given",
    "sitting_moved",
    "sitting_cancelled",
    "safeguarding_referral",
    "taken_off",
    "closed_with_case",
)
_NEW_NOTICE = "conference_cancelled"


def _fk(column: str, table: str) -> str:
    return f"fk_{_TABLE}_{column}_{table}"


def _notice_kind(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="notice_kind", native_enum=False, create_constraint=True, length=40
    )


def _reasons_allowed() -> str:
    return "cancel_reason IN (" + ", ".join(f"'{r}'" for r in _REASONS) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows.
        for column, sql_type, _, refers in _COLUMNS:
            constraint = f" CONSTRAINT {_fk(column, refers)} REFERENCES {refers} (id)"
            if column == "cancel_reason":
                constraint = f" CONSTRAINT {_REASON_CHECK} CHECK ({_reasons_allowed()})"
            op.execute(
                f"ALTER TABLE {_TABLE} ADD COLUMN {column} {sql_type}"
                + (constraint if refers or column == "cancel_reason" else "")
            )
    else:
        with op.batch_alter_table(_TABLE, schema=None) as batch_op:
            for column, _, column_type, refers in _COLUMNS:
                batch_op.add_column(sa.Column(column, column_type, nullable=True))
                if refers:
                    batch_op.create_foreign_key(_fk(column, refers), refers, [column], ["id"])
        op.create_check_constraint("conference_cancel_reason", _TABLE, sa.text(_reasons_allowed()))
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES),
            type_=_notice_kind(*_NOTICES, _NEW_NOTICE),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("DELETE FROM notices WHERE kind = :cancelled"), {"cancelled": _NEW_NOTICE}
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=_notice_kind(*_NOTICES, _NEW_NOTICE),
            type_=_notice_kind(*_NOTICES),
            existing_nullable=False,
        )
    if op.get_bind().dialect.name == "sqlite":
        for column, *_ in reversed(_COLUMNS):
            op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {column}")
        return
    op.drop_constraint(op.f(_REASON_CHECK), _TABLE, type_="check")
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column, _, _, refers in reversed(_COLUMNS):
            if refers:
                batch_op.drop_constraint(_fk(column, refers), type_="foreignkey")
            batch_op.drop_column(column)
