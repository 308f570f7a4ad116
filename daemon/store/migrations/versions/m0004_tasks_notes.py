"""CRM tasks and notes.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _ref(name: str, target: str, *, index: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete="SET NULL"), index=index)


def upgrade() -> None:
    op.create_table(
        "crm_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(998), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16)),
        sa.Column("owner", sa.String(255)),
        sa.Column("due_at", sa.DateTime),
        sa.Column("completed_at", sa.DateTime),
        _ref("contact_id", "contacts.id"),
        _ref("company_id", "companies.id"),
        _ref("deal_id", "deals.id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_crm_tasks_status_due", "status", "due_at"),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("owner", sa.String(255)),
        _ref("contact_id", "contacts.id", index=True),
        _ref("company_id", "companies.id"),
        _ref("deal_id", "deals.id", index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
