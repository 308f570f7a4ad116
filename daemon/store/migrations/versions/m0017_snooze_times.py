"""`move_events.snoozed_until`: on the event of a snooze, the wake-up time it set.

Undoing a `queue.done` on a snoozed move puts the move back to sleep until the time its
snooze had; the move row forgets that time when it leaves the snoozed status, and the
event's reason has it only as words in the operator's zone. Events from before this
revision keep it empty.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: no copy of the table.
    op.add_column("move_events", sa.Column("snoozed_until", sa.DateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("move_events") as batch:
        batch.drop_column("snoozed_until")
