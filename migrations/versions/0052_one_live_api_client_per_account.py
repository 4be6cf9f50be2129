"""An account acts for one live API client at a time, held by a unique index over the
clients not revoked (registering checks it first, to say so; the index settles two
registrations at the same moment). Where an account already acts for several live
clients, the upgrade stops and names them, for the operator to revoke all but one with
``hub api clients revoke`` (an act the audit log records, which a migration cannot), then
upgrade again.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-05 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sharing.errors import UpgradeStopped

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None

_LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT client_id FROM api_clients WHERE revoked_at IS NULL AND user_id IN ("
                "SELECT user_id FROM api_clients WHERE revoked_at IS NULL "
                "GROUP BY user_id HAVING COUNT(*) > 1) ORDER BY user_id, id"
            )
        )
        .scalars()
    )
    clients = list(shared)
    if clients:
        raise UpgradeStopped(
            "these live API clients act as the same account as another: "
            f"{', '.join(clients)}; keep one per account, revoke the others with "
            "`hub api clients revoke CLIENT_ID`, then run `hub db upgrade` again"
        )
    op.create_index(
        "uq_api_clients_live_user",
        "api_clients",
        ["user_id"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_api_clients_live_user", table_name="api_clients")
