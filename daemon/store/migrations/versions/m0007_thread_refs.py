"""Threads by the ids messages name: thread_refs, threads.from_source, moves by thread.

A message joins the thread of any message it names (or that names it). Stored messages are
found by their Message-ID; `thread_refs` holds the ids a thread's messages name that are no
stored message (yet), so a message arriving before, or instead of, the one it answers
still finds its conversation through one indexed lookup. `threads.from_source` marks
threads keyed by Gmail's own thread id, which header links never merge. The keys of
header-keyed threads (the root id their replies named) are recorded.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "threads",
        sa.Column("from_source", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "thread_refs",
        sa.Column("ref", sa.String(998), primary_key=True),
        sa.Column(
            "thread_id",
            sa.Integer,
            sa.ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_thread_refs_thread_id", "thread_refs", ["thread_id"])
    op.create_index("ix_moves_thread_id", "moves", ["thread_id"])

    threads = sa.table(
        "threads",
        sa.column("id", sa.Integer),
        sa.column("thread_key", sa.String),
        sa.column("from_source", sa.Boolean),
    )
    refs = sa.table("thread_refs", sa.column("ref", sa.String), sa.column("thread_id", sa.Integer))
    messages = sa.table(
        "messages", sa.column("message_id", sa.String), sa.column("thread_id", sa.Integer)
    )
    # Gmail thread ids were stored as lower-case hex; every other key is a Message-ID
    # (which has an "@"), a "subject-" key, or a generated id.
    key = threads.c.thread_key
    if op.get_bind().dialect.name == "sqlite":
        hex_only = sa.and_(key != "", sa.not_(key.op("GLOB", is_comparison=True)("*[^0-9a-f]*")))
    else:
        hex_only = key.op("~", is_comparison=True)("^[0-9a-f]+$")
    op.execute(threads.update().where(hex_only).values(from_source=True))
    # A header-keyed thread's key is the root id its replies named; where that root is not
    # a stored message, later mail naming it finds the thread here.
    stored = sa.exists().where(messages.c.message_id == threads.c.thread_key)
    op.execute(
        refs.insert().from_select(
            ["ref", "thread_id"],
            sa.select(threads.c.thread_key, threads.c.id).where(
                threads.c.from_source.is_(False), ~stored
            ),
        )
    )


def downgrade() -> None:
    op.drop_index("ix_moves_thread_id", table_name="moves")
    op.drop_index("ix_thread_refs_thread_id", table_name="thread_refs")
    op.drop_table("thread_refs")
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("from_source")
