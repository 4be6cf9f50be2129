"""Environmental health's own actions on a case: noise monitoring (equipment installed or
an out-of-hours visit), a community protection warning, and an abatement notice served
for a statutory nuisance (Environmental Protection Act 1990 s.80), which a conference's
decision to take legal action can name too.

On SQLite the kinds' check is rewritten in place, in the table's stored schema (SQLite's
own procedure for a change no stored row can break: the new list only adds kinds, and a
downgrade first records them as the old ones): Alembic's batch copy would turn the
columns earlier migrations added in place into table constraints, so that their own
downgrades, which drop those columns in place, would fail.

Revision ID: 0086
Revises: 0085
Create Date: 2026-12-06 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0086"
down_revision = "0085"
branch_labels = None
depends_on = None

_KINDS = (
    "perpetrator_visit",
    "warning_letter",
    "early_intervention_housing",
    "early_intervention_other",
    "referral_other_agency",
    "referral_police",
    "mediation",
    "good_neighbour_agreement",
    "abc",
    "family_intervention",
    "support_referral",
    "safeguarding_referral",
    "victim_support",
    "community_protection_notice",
    "notice_seeking_possession",
    "injunction",
    "closure_order",
    "management_transfer",
    "other_legal",
    "eviction",
    "surrender",
    "dissatisfaction_follow_up",
    "other",
)
#: The new kinds, each with the kind a downgrade records it as.
_NEW_KINDS = {
    "noise_monitoring": "other",
    "community_protection_warning": "early_intervention_other",
    "abatement_notice": "other_legal",
}
#: The tables and columns that hold an action kind.
_KIND_COLUMNS = (("actions", "kind", False), ("conference_decisions", "tool", True))


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(
        *values, name="action_kind", native_enum=False, create_constraint=True, length=40
    )


def _listed(column: str, kinds: tuple[str, ...]) -> str:
    """The check as SQLAlchemy writes it in a table's schema."""
    return f"CHECK ({column} IN (" + ", ".join(f"'{kind}'" for kind in kinds) + "))"


def _change_kinds(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _change_kinds_in_place(old, new)
        return
    for table, column, nullable in _KIND_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=_enum(*old), type_=_enum(*new), existing_nullable=nullable
            )


def _change_kinds_in_place(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    version = bind.scalar(sa.text("PRAGMA schema_version"))
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    for table, column, _ in _KIND_COLUMNS:
        schema = bind.scalar(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
            {"table": table},
        )
        if _listed(column, old) not in schema:
            raise RuntimeError(f"{table}.{column}: its check is not the one expected")
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :table"),
            {"sql": schema.replace(_listed(column, old), _listed(column, new)), "table": table},
        )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    _change_kinds(_KINDS, (*_KINDS, *_NEW_KINDS))


def downgrade() -> None:
    bind = op.get_bind()
    for kind, recorded_as in _NEW_KINDS.items():
        bind.execute(
            sa.text("UPDATE actions SET kind = :old WHERE kind = :new"),
            {"old": recorded_as, "new": kind},
        )
        bind.execute(
            sa.text("UPDATE conference_decisions SET tool = 'other_legal' WHERE tool = :new"),
            {"new": kind},
        )
    _change_kinds((*_KINDS, *_NEW_KINDS), _KINDS)
