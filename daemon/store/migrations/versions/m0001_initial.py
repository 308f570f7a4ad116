"""Records, signals, moves, settings and imports.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Migrations are frozen history: they spell the schema out instead of reading the models.
TS = sa.DateTime()


def _fk(target: str, ondelete: str = "SET NULL") -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON()),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("domain", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("industry", sa.String(100)),
        sa.Column("size", sa.Integer),
        sa.Column("tier", sa.String(10)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(255)),
        sa.Column("title", sa.String(255)),
        sa.Column("company_id", sa.Integer, _fk("companies.id"), index=True),
        sa.Column("phone", sa.String(64)),
        sa.Column("lifecycle_stage", sa.String(64)),
        sa.Column("owner", sa.String(255)),
        sa.Column("starred", sa.Boolean, nullable=False),
        sa.Column("last_inbound_at", TS),
        sa.Column("last_outbound_at", TS),
        sa.Column("last_meeting_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "external_ids",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False, index=True),
        sa.Column("connector", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("connector", "entity", "external_id"),
    )
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("pipeline", sa.String(100), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("close_date", sa.Date),
        sa.Column("company_id", sa.Integer, _fk("companies.id"), index=True),
        sa.Column("stage_entered_at", TS),
        sa.Column("last_activity_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "deal_contacts",
        sa.Column("deal_id", sa.Integer, _fk("deals.id", "CASCADE"), primary_key=True),
        sa.Column(
            "contact_id", sa.Integer, _fk("contacts.id", "CASCADE"), primary_key=True, index=True
        ),
    )
    op.create_table(
        "threads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("thread_key", sa.String(255), nullable=False, unique=True),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("is_internal", sa.Boolean, nullable=False),
        sa.Column("last_message_at", TS),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("thread_id", sa.Integer, _fk("threads.id", "CASCADE"), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False, unique=True),
        sa.Column("from_addr", sa.String(320), nullable=False, index=True),
        sa.Column("from_name", sa.String(255)),
        sa.Column("to_addrs", sa.JSON, nullable=False),
        sa.Column("cc_addrs", sa.JSON, nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sent_at", TS, nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("is_draft", sa.Boolean, nullable=False),
        sa.Column("contact_id", sa.Integer, _fk("contacts.id"), index=True),
        sa.Index("ix_messages_thread_sent", "thread_id", "sent_at"),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(512), nullable=False, unique=True),
        sa.Column("title", sa.String(998), nullable=False),
        sa.Column("start_at", TS, nullable=False, index=True),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("organizer", sa.String(320)),
        sa.Column("location", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "meeting_attendees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("meeting_id", sa.Integer, _fk("meetings.id", "CASCADE"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("response_status", sa.String(16), nullable=False),
        sa.Column("contact_id", sa.Integer, _fk("contacts.id"), index=True),
        sa.UniqueConstraint("meeting_id", "email"),
    )
    refs = [
        ("contact_id", "contacts.id"),
        ("company_id", "companies.id"),
        ("deal_id", "deals.id"),
        ("thread_id", "threads.id"),
        ("meeting_id", "meetings.id"),
    ]
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("occurred_at", TS, nullable=False, index=True),
        sa.Column("dedup_key", sa.String(512), nullable=False, unique=True),
        sa.Column("payload", sa.JSON, nullable=False),
        *[sa.Column(name, sa.Integer, _fk(target)) for name, target in refs],
        sa.Column("created_at", TS, nullable=False),
        sa.Column("processed_at", TS, index=True),
        sa.Index("ix_signals_kind_occurred", "kind", "occurred_at"),
    )
    op.create_table(
        "moves",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("why_now", sa.Text, nullable=False),
        sa.Column("move_type", sa.String(32), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        *[sa.Column(name, sa.Integer, _fk(target)) for name, target in refs],
        sa.Column("aps", sa.Float, nullable=False),
        sa.Column("aps_breakdown", sa.JSON, nullable=False),
        sa.Column("score_inputs", sa.JSON, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("snoozed_until", TS),
        sa.Column("expires_at", TS),
        sa.Column("dedup_key", sa.String(512), nullable=False, unique=True),
        sa.Column("prepared_action", sa.JSON),
        sa.Column("status_reason", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Index("ix_moves_status_aps", "status", "aps"),
        sa.Index("ix_moves_status_due", "status", "due_at"),
    )
    op.create_table(
        "move_signals",
        sa.Column("move_id", sa.Integer, _fk("moves.id", "CASCADE"), primary_key=True),
        sa.Column("signal_id", sa.Integer, _fk("signals.id", "CASCADE"), primary_key=True),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
