"""The applicant may withdraw their appeal (``appeal_withdrawn_on``: the day they did,
which ends the appeal without a decision).

Revision ID: 0073
Revises: 0071
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0073"
down_revision = "0071"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not a batch copy: other tables refer to the applications.
    op.add_column("trigger_applications", sa.Column("appeal_withdrawn_on", sa.Date()))


def downgrade() -> None:
    op.drop_column("trigger_applications", "appeal_withdrawn_on")
