"""Outcomes the daemon detects are recorded once per move and kind.

Outcomes recorded by hand (`source` 'manual') may repeat; detected ones (`source`
'detected', from later signals) must not, however often a signal is read again, so a
partial unique index holds them to one row per (move, kind).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_outcomes_detected",
        "outcomes",
        ["move_id", "kind"],
        unique=True,
        sqlite_where=sa.text("source = 'detected'"),
    )


def downgrade() -> None:
    op.drop_index("uq_outcomes_detected", table_name="outcomes")
