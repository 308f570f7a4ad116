"""Jobs, connector sync state, and when each move next needs rescoring.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(32)),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer),
        sa.Column("result", sa.JSON),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_jobs_status", "status"),
        sa.Index("ix_jobs_created", "created_at"),
    )
    op.create_table(
        "sync_state",
        sa.Column("connector", sa.String(32), primary_key=True),
        sa.Column("stream", sa.String(255), primary_key=True),
        sa.Column("cursor", sa.Text),
        sa.Column("records", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_attempt_at", sa.DateTime),
        sa.Column("last_success_at", sa.DateTime),
        sa.Column("last_error_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("moves") as batch:
        batch.add_column(sa.Column("rescore_at", sa.DateTime))
    op.create_index("ix_moves_rescore", "moves", ["status", "rescore_at"])
