"""Names folded for search and order: `contacts.name_key`, `companies.name_key` (indexed
with the id, for listing by name) and `threads.subject_key`.

Searching "zoe" for "Zoë" and listing contacts by name used to fold every row in Python
on every request (a second per search at 50,000 contacts); the importers now store the
folded name, and this migration fills it in for the rows already there.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from daemon.store.fold import fold

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000


def _backfill(table: str, source: str, column: str = "name_key") -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.text(f"SELECT id, {source} FROM {table} WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :key WHERE id = :id"),
            [{"id": rid, "key": fold(text)} for rid, text in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    op.add_column("contacts", sa.Column("name_key", sa.String(320), nullable=True))
    op.add_column("companies", sa.Column("name_key", sa.String(255), nullable=True))
    op.add_column("threads", sa.Column("subject_key", sa.String(998), nullable=True))
    _backfill("contacts", "coalesce(name, email)")
    _backfill("companies", "name")
    _backfill("threads", "subject", "subject_key")
    op.create_index("ix_contacts_name_key", "contacts", ["name_key", "id"])
    op.create_index("ix_companies_name_key", "companies", ["name_key", "id"])


def downgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("subject_key")
    op.drop_index("ix_companies_name_key", table_name="companies")
    op.drop_index("ix_contacts_name_key", table_name="contacts")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("name_key")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("name_key")
