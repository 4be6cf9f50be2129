"""Migrations change a column's list of choices with ``sharing.choice_checks``: the
database then takes the new choice and still refuses one in neither list, on SQLite and
PostgreSQL; on SQLite a table whose check is not the one expected is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from sharing.choice_checks import ChoiceColumn, change_choices

_OLD = ("noise", "litter")
_NEW = ("noise", "litter", "bonfire")
_COLUMNS = [
    ChoiceColumn("choices_tried", "first", False),
    ChoiceColumn("choices_also", "second", True),
]
_SCHEMAS = sa.text("SELECT name, sql FROM sqlite_master WHERE name LIKE 'choices_%' ORDER BY name")


def _make_tables(engine: Engine, second: tuple[str, ...] = _OLD) -> tuple[sa.Table, sa.Table]:
    """Two tables, each with a column of choices (as a case's category or an action's kind)."""
    metadata = sa.MetaData()
    tables = (
        sa.Table(
            "choices_tried",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("first", _choice(_OLD), nullable=False),
        ),
        sa.Table(
            "choices_also",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("second", _choice(second), nullable=True),
        ),
    )
    metadata.create_all(engine)
    return tables


def _choice(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="tried", native_enum=False, create_constraint=True, length=40)


def _change(engine: Engine, old: tuple[str, ...], new: tuple[str, ...]) -> None:
    with engine.begin() as connection:
        change_choices(
            Operations(MigrationContext.configure(connection)), "tried", _COLUMNS, old, new
        )


def _insert(engine: Engine, tables: tuple[sa.Table, sa.Table], first: str, second: str) -> None:
    with engine.begin() as connection:
        connection.execute(tables[0].insert().values(first=first))
        connection.execute(tables[1].insert().values(second=second))


def test_a_new_choice_is_taken_and_one_in_neither_list_refused(migrated_engine: Engine) -> None:
    tables = _make_tables(migrated_engine)
    with pytest.raises(IntegrityError):
        _insert(migrated_engine, tables, "bonfire", "noise")

    _change(migrated_engine, _OLD, _NEW)

    _insert(migrated_engine, tables, "bonfire", "bonfire")
    with pytest.raises(IntegrityError):
        _insert(migrated_engine, tables, "fireworks", "noise")
    with pytest.raises(IntegrityError):
        _insert(migrated_engine, tables, "noise", "fireworks")

    with migrated_engine.begin() as connection:  # as a downgrade records its choices first
        connection.execute(sa.text("UPDATE choices_tried SET first = 'noise'"))
        connection.execute(sa.text("UPDATE choices_also SET second = 'noise'"))
    _change(migrated_engine, _NEW, _OLD)
    with pytest.raises(IntegrityError):
        _insert(migrated_engine, tables, "noise", "bonfire")


def test_on_sqlite_an_unexpected_check_stops_the_change_before_anything_is_written(
    tmp_path: Path,
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'choices.sqlite3'}")
    tables = _make_tables(engine, second=("noise",))
    with engine.connect() as connection:
        schemas = connection.execute(_SCHEMAS).all()

    with pytest.raises(
        RuntimeError, match=r"choices_also\.second: its check is not the one expected"
    ):
        _change(engine, _OLD, _NEW)

    with engine.connect() as connection:
        assert connection.execute(_SCHEMAS).all() == schemas
    with pytest.raises(IntegrityError):
        _insert(engine, tables, "bonfire", "noise")
    engine.dispose()
