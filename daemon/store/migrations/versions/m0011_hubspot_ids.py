"""Deals, tasks and notes imported from a HubSpot export are known by their HubSpot record
ids under the name `hubspot`, the name the live HubSpot sync uses, so a deal that arrives
both ways is one deal. Before, an export's ids were filed under `files`.

An id the live sync already holds under `hubspot` keeps that row; the export's twin entry
is dropped (the two rows stay; nothing here merges records).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ENTITIES = "('deal', 'task', 'note')"


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            f"DELETE FROM external_ids WHERE connector = 'files' AND entity IN {ENTITIES} "
            "AND EXISTS (SELECT 1 FROM external_ids AS h WHERE h.connector = 'hubspot' "
            "AND h.entity = external_ids.entity AND h.external_id = external_ids.external_id)"
        )
    )
    bind.execute(
        sa.text(
            f"UPDATE external_ids SET connector = 'hubspot' "
            f"WHERE connector = 'files' AND entity IN {ENTITIES}"
        )
    )


def downgrade() -> None:
    # Which `hubspot` ids came from an export cannot be told apart any more; the older
    # code looks them up under `files` and would import such a deal again, as a twin.
    pass
