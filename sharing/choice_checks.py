"""Migrations' one way to change the list of choices a column's check allows (a case's
categories, an action's kinds), the same on SQLite and PostgreSQL.

The models keep a choice as a string with a check (``sa.Enum(native_enum=False,
create_constraint=True)``). On PostgreSQL the check is altered as Alembic alters any
column. On SQLite it is rewritten in place, in the table's stored schema: SQLite's own
procedure for a change no stored row can break (the caller makes sure of that: a new list
only adds choices, and a downgrade first records the removed ones as others). Alembic's
batch copy would instead rebuild the table and turn the columns earlier migrations added
in place into table constraints, so that their own downgrades, which drop those columns
in place, would fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa


class ChoiceColumn(NamedTuple):
    """A column holding one of a list of choices."""

    table: str
    column: str
    nullable: bool


def change_choices(
    op: Any,
    enum_name: str,
    columns: Sequence[ChoiceColumn],
    old: Sequence[str],
    new: Sequence[str],
) -> None:
    """Change the check of each of ``columns`` (of the enum ``enum_name``) from allowing
    ``old`` to allowing ``new``. ``op`` is the running migration's ``alembic.op``."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rewrite_in_place(bind, columns, old, new)
        return
    for table, column, nullable in columns:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=_enum(enum_name, old),
                type_=_enum(enum_name, new),
                existing_nullable=nullable,
            )


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def _listed(column: str, values: Sequence[str]) -> str:
    """The check as SQLAlchemy writes it in a table's schema."""
    return f"CHECK ({column} IN (" + ", ".join(f"'{value}'" for value in values) + "))"


def _rewrite_in_place(
    bind: sa.Connection, columns: Sequence[ChoiceColumn], old: Sequence[str], new: Sequence[str]
) -> None:
    rewritten: dict[str, str] = {}
    for table, column, _ in columns:
        schema = rewritten.get(table) or bind.scalar(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
            {"table": table},
        )
        if schema is None or _listed(column, old) not in schema:
            raise RuntimeError(f"{table}.{column}: its check is not the one expected")
        rewritten[table] = schema.replace(_listed(column, old), _listed(column, new))
    version = bind.scalar(sa.text("PRAGMA schema_version"))
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    for table, schema in rewritten.items():
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :table"),
            {"sql": schema, "table": table},
        )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))
