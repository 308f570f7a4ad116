"""Contacts who asked not to be contacted: `contacts.do_not_contact_at` (when they asked,
UTC) and `do_not_contact_reason` (what they said, in a few words). Both stay empty for
everyone until such a message is read; nothing here guesses from old mail.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no copy of the table (which would drop its triggers).
    op.add_column("contacts", sa.Column("do_not_contact_at", sa.DateTime, nullable=True))
    op.add_column("contacts", sa.Column("do_not_contact_reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("do_not_contact_reason")
        batch.drop_column("do_not_contact_at")
