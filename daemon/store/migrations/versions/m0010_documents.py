"""Google Drive documents.

The live Drive connector brings the operator's files (name, type, owners, when modified,
link, whether trashed); a document is linked to the company of its first outside owner.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("drive_id", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("modified_at", sa.DateTime),
        sa.Column("link", sa.Text),
        sa.Column("trashed", sa.Boolean, nullable=False),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_documents_company_id", "company_id"),
    )


def downgrade() -> None:
    op.drop_table("documents")
