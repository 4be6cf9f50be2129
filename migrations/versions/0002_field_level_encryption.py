"""Field-level encryption: wrapped data keys per case and person, blind indexes.

Values sealed by the foundation release (format 0x00, unencrypted) cannot be re-sealed by
a migration, which has no access to the key store. That release only ever held
development and demo data, so a database holding any is refused with a clear message:
build a fresh one (`hub db upgrade` then `hub demo`).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:38:06.275997
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    held = connection.execute(
        sa.text("SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM persons)")
    ).scalar_one()
    if held:
        raise RuntimeError(
            "this database holds case records from before field-level encryption (development "
            "data only): remove it and build a fresh one with `hub db upgrade` and `hub demo`"
        )
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
    )
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_keys_kek_version"), ["kek_version"], unique=False)

    op.create_table(
        "blind_indexes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_blind_indexes_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_blind_indexes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_blind_indexes_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_indexes")),
    )
    with op.batch_alter_table("blind_indexes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blind_indexes_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_blind_indexes_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_blind_indexes_lookup", ["field", "value"], unique=False)
        batch_op.create_index(batch_op.f("ix_blind_indexes_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_data_key_id_data_keys"), "data_keys", ["data_key_id"], ["id"]
        )

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_persons_data_key_id_data_keys"), "data_keys", ["data_key_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_persons_data_key_id_data_keys"), type_="foreignkey")
        batch_op.drop_column("data_key_id")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_data_key_id_data_keys"), type_="foreignkey")
        batch_op.drop_column("data_key_id")

    with op.batch_alter_table("blind_indexes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blind_indexes_person_id"))
        batch_op.drop_index("ix_blind_indexes_lookup")
        batch_op.drop_index(batch_op.f("ix_blind_indexes_case_id"))
        batch_op.drop_index(batch_op.f("ix_blind_indexes_agency_id"))

    op.drop_table("blind_indexes")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_kek_version"))

    op.drop_table("data_keys")
