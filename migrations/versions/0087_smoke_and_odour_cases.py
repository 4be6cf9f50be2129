"""A case's category for smoke, fumes, odours and bonfires: the statutory nuisances
(Environmental Protection Act 1990 s.79) environmental health deals with besides noise,
which were recorded as "Other".

On SQLite the categories' check is rewritten in place, in the table's stored schema, as
0086 does for action kinds (the new list only adds a category, and a downgrade first
records its cases as "other").

Revision ID: 0087
Revises: 0086
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0087"
down_revision = "0086"
branch_labels = None
depends_on = None

_CATEGORIES = (
    "noise",
    "verbal_abuse",
    "physical_violence",
    "drugs",
    "alcohol",
    "damage",
    "litter",
    "vehicles",
    "animals",
    "communal_areas",
    "neighbour_dispute",
    "criminal",
    "other",
)
_NEW = "smoke_odour"


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="case_category", native_enum=False, create_constraint=True, length=40
    )


def _listed(categories: tuple[str, ...]) -> str:
    """The check as SQLAlchemy writes it in the table's schema."""
    return "CHECK (category IN (" + ", ".join(f"'{c}'" for c in categories) + "))"


def _change_categories(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("cases", schema=None) as batch_op:
            batch_op.alter_column(
                "category", existing_type=_enum(*old), type_=_enum(*new), existing_nullable=False
            )
        return
    version = bind.scalar(sa.text("PRAGMA schema_version"))
    schema = bind.scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cases'")
    )
    if _listed(old) not in schema:
        raise RuntimeError("cases.category: its check is not the one expected")
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'cases'"),
        {"sql": schema.replace(_listed(old), _listed(new))},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    _change_categories(_CATEGORIES, (*_CATEGORIES, _NEW))


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("UPDATE cases SET category = 'other' WHERE category = :new"), {"new": _NEW}
    )
    _change_categories((*_CATEGORIES, _NEW), _CATEGORIES)
