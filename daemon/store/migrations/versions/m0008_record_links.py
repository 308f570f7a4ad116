"""Indexes for what links to a record: a contact's, company's, deal's, meeting's or
thread's moves and signals, and a contact's or deal's CRM tasks.

`contacts show`, `deals show` and the others read these on every call; without the
indexes each read scanned the whole moves or signals table.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_moves_contact_id", "moves", "contact_id"),
    ("ix_moves_company_id", "moves", "company_id"),
    ("ix_moves_deal_id", "moves", "deal_id"),
    ("ix_moves_meeting_id", "moves", "meeting_id"),
    ("ix_signals_contact_id", "signals", "contact_id"),
    ("ix_signals_company_id", "signals", "company_id"),
    ("ix_signals_deal_id", "signals", "deal_id"),
    ("ix_signals_meeting_id", "signals", "meeting_id"),
    ("ix_crm_tasks_contact_id", "crm_tasks", "contact_id"),
    ("ix_crm_tasks_deal_id", "crm_tasks", "deal_id"),
]


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
