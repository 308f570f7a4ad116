"""Signals by thread, so an import finds the answers in the threads it touched.

Without it, each chunk of an import read every `email.received` signal in the workspace.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_signals_thread_id", "signals", ["thread_id"])


def downgrade() -> None:
    op.drop_index("ix_signals_thread_id", table_name="signals")
