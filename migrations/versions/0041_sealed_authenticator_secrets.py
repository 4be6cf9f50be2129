"""Authenticator (TOTP) secrets are kept sealed under the key store, never in plain:
``users.totp_sealed`` holds the secret a user has set up, and the keys being set up
(``sign_in_steps.totp_set_up``, ``sign_in_sessions.totp_set_up``) become sealed values.

A migration cannot reach the key store, so the secrets already set up stay in
``users.totp_secret`` as they were: the hub seals each the first time it uses it (and
``hub keys seal-secrets`` seals them all at once; ``hub keys status`` counts those left),
so nobody loses their authenticator app. Keys being set up at this moment are forgotten
(a sign-in half done starts again; a set-up under "Your account" is offered a new key).

Downgrading cannot unseal: it forgets the sealed secrets, and their users set up their
authenticator app again at their next sign-in (those whose roles need one).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

_SET_UP = ("sign_in_steps", "sign_in_sessions")


def upgrade() -> None:
    # Added in place (no copy of the users table, which on SQLite would run its cascades).
    op.add_column("users", sa.Column("totp_sealed", sa.LargeBinary(), nullable=True))
    for table in _SET_UP:
        _set_up_as(table, sa.String(length=64), sa.LargeBinary(), "NULL::bytea")


def downgrade() -> None:
    for table in _SET_UP:
        _set_up_as(table, sa.LargeBinary(), sa.String(length=64), "NULL::varchar(64)")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users DROP COLUMN totp_sealed")  # in place, as it was added
    else:
        op.drop_column("users", "totp_sealed")


def _set_up_as(
    table: str, before: sa.types.TypeEngine, after: sa.types.TypeEngine, using: str
) -> None:
    """Forget the keys being set up in ``table`` and change their column's type."""
    op.execute(sa.text(f"UPDATE {table} SET totp_set_up = NULL"))  # noqa: S608 - our own names
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(
            "totp_set_up",
            existing_type=before,
            type_=after,
            existing_nullable=True,
            postgresql_using=using,
        )
