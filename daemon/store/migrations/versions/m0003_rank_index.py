"""Index that matches Today's ordering, so ranking reads 25 rows instead of sorting thousands.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_moves_status_aps", table_name="moves")
    op.create_index("ix_moves_rank", "moves", ["status", sa.text("aps DESC"), "due_at", "id"])
