"""A Community Trigger threshold decided again after an upheld appeal of "not met": the
first decision's time, who made it and its reasons (sealed) are kept beside the new one,
and the letter of the new decision is a letter kind of its own (``decided_again``).

The letters' kinds' check is changed by ``sharing.choice_checks``; a downgrade first
drops the letters of the new kind.

Revision ID: 0089
Revises: 0088
Create Date: 2026-12-07 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.choice_checks import ChoiceColumn, change_choices

revision = "0089"
down_revision = "0088"
branch_labels = None
depends_on = None

_TABLE = "trigger_applications"
#: Column, its type and, for a reference, the table it refers to.
_COLUMNS = (
    ("first_decided_at", "DATETIME", sa.DateTime(), None),
    ("first_decided_by_id", "INTEGER", sa.Integer(), "users"),
    ("first_decision_reasons", "BLOB", sa.LargeBinary(), None),
)
_LETTERS = ("acknowledgement", "threshold", "outcome", "appeal_decision")
_NEW = "decided_again"
_KIND = [ChoiceColumn("trigger_letters", "kind", nullable=False)]


def _fk(column: str, table: str) -> str:
    return f"fk_{_TABLE}_{column}_{table}"


def upgrade() -> None:
    change_choices(op, "letter_kind", _KIND, _LETTERS, (*_LETTERS, _NEW))
    if op.get_bind().dialect.name == "sqlite":
        # In place: a batch copy would drop a table that others refer to, which SQLite
        # refuses once it holds rows.
        for column, sql_type, _, refers in _COLUMNS:
            constraint = f" CONSTRAINT {_fk(column, refers)} REFERENCES {refers} (id)"
            op.execute(
                f"ALTER TABLE {_TABLE} ADD COLUMN {column} {sql_type}"
                + (constraint if refers else "")
            )
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column, _, column_type, refers in _COLUMNS:
            batch_op.add_column(sa.Column(column, column_type, nullable=True))
            if refers:
                batch_op.create_foreign_key(_fk(column, refers), refers, [column], ["id"])


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM trigger_letters WHERE kind = 'decided_again'"))
    change_choices(op, "letter_kind", _KIND, (*_LETTERS, _NEW), _LETTERS)
    if op.get_bind().dialect.name == "sqlite":
        for column, *_ in reversed(_COLUMNS):
            op.execute(f"ALTER TABLE {_TABLE} DROP COLUMN {column}")
        return
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column, _, _, refers in reversed(_COLUMNS):
            if refers:
                batch_op.drop_constraint(_fk(column, refers), type_="foreignkey")
            batch_op.drop_column(column)
