"""Indexes for a pass over a large store: moves by thread, deal and meeting; waiting signals.

Most moves name no thread, deal or meeting (tasks, data fixes and deal reviews have no
thread; most have no meeting). A full index on such a column groups all those NULLs under
one value, so the planner's statistics say each value has thousands of rows, and it walked
every pending move instead of looking the few up (`queue.resolve` closing the moves of a
chunk of threads did). These indexes now hold only the rows with a value; every query on
these columns names a value (`=`, `IN`), which implies the index's condition.

A pass reads the unprocessed signals in (occurred_at, id) order, a chunk at a time after
the last one read. `ix_signals_waiting` holds just those signals in that order, so each
chunk is a seek. It replaces the index of `processed_at`, which every query asked only for
NULL: with both, the planner (its statistics sampled while few signals waited) took the
old one, and every chunk read and sorted all waiting signals.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COLUMNS = ("thread_id", "deal_id", "meeting_id")
WAITING = sa.text("processed_at IS NULL")


def upgrade() -> None:
    for column in COLUMNS:
        name = f"ix_moves_{column}"
        op.drop_index(name, table_name="moves")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "moves", [column], sqlite_where=where, postgresql_where=where)
    op.create_index(
        "ix_signals_waiting",
        "signals",
        ["occurred_at"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.drop_index("ix_signals_processed_at", table_name="signals")


def downgrade() -> None:
    op.create_index("ix_signals_processed_at", "signals", ["processed_at"])
    op.drop_index("ix_signals_waiting", table_name="signals")
    for column in COLUMNS:
        name = f"ix_moves_{column}"
        op.drop_index(name, table_name="moves")
        op.create_index(name, "moves", [column])
