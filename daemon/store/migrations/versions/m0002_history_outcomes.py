"""Move history (every status change) and outcomes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "move_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "move_id",
            sa.Integer,
            sa.ForeignKey("moves.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "move_id",
            sa.Integer,
            sa.ForeignKey("moves.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id", ondelete="SET NULL")),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    # Moves that existed before history was kept get their creation as the first event.
    op.execute(
        "INSERT INTO move_events (move_id, from_status, to_status, reason, at) "
        "SELECT id, NULL, 'pending', 'recorded before move history existed', created_at "
        "FROM moves"
    )
