"""Which sources brought each record: `record_sources`, one row per record and source.

Backfill, from what the store can tell (and nothing it cannot):

* a record with an external id has that id's source; a `hubspot` id is `hubspot` when the
  live HubSpot sync ever ran here, `files` otherwise (an export's ids are filed under
  `hubspot` since 0011, so before a live sync they can only have come from a file);
* a record a signal is about has that signal's source (contacts, companies, deals and
  meetings through the signal's link, messages through `email.received`/`email.sent`'s
  key), first and last seen when the first and last such signal was written;
* a message or meeting whose id is HubSpot's stand-in is `hubspot` (and gains its external
  id, which later syncs find it by), a document is `drive`;
* in a workspace no live connector ever synced, every record still without a source came
  from an import: `demo` in the demo workspace, `files` otherwise. In one a live connector
  synced, such a record is left without a source rather than guessed.

Rows not from a signal are first and last seen at the time of this migration.

Records are rows in eight tables; no foreign key can point at all of them, so a trigger
per table deletes a record's sources with it (whoever deletes it, however).

Revision ID: 0012
Revises: 0011
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = {
    "company": "companies",
    "contact": "contacts",
    "deal": "deals",
    "message": "messages",
    "meeting": "meetings",
    "task": "crm_tasks",
    "note": "notes",
    "document": "documents",
}
SIGNAL_LINKS = {
    "company": "company_id",
    "contact": "contact_id",
    "deal": "deal_id",
    "meeting": "meeting_id",
}
LIVE = ("hubspot", "gmail", "calendar", "drive")
SOURCES = ("files", "demo", *LIVE)
_IN_SOURCES = "(" + ", ".join(f"'{s}'" for s in SOURCES) + ")"
_IN_LIVE = "(" + ", ".join(f"'{s}'" for s in LIVE) + ")"
# HubSpot's stand-in ids: "hubspot-email-<id>@hubspot.generated", "hubspot-meeting-<id>".
_MAIL_HEAD, _MAIL_TAIL, _MEETING_HEAD = "hubspot-email-", "@hubspot.generated", "hubspot-meeting-"


def upgrade() -> None:
    op.create_table(
        "record_sources",
        sa.Column("entity", sa.String(32), primary_key=True),
        sa.Column("entity_id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
    )
    bind = op.get_bind()
    _triggers(bind)
    _backfill(bind)


def _triggers(bind: sa.Connection) -> None:
    dialect = bind.dialect.name
    if dialect == "postgresql":
        bind.execute(
            sa.text(
                "CREATE FUNCTION record_sources_gone() RETURNS trigger AS $$ BEGIN "
                "DELETE FROM record_sources WHERE entity = TG_ARGV[0] AND entity_id = OLD.id; "
                "RETURN OLD; END $$ LANGUAGE plpgsql"
            )
        )
    for entity, table in TABLES.items():
        name = f"record_sources_{table}_gone"
        if dialect == "postgresql":
            sql = (
                f"CREATE TRIGGER {name} AFTER DELETE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION record_sources_gone('{entity}')"
            )
        else:
            sql = (
                f"CREATE TRIGGER {name} AFTER DELETE ON {table} BEGIN "
                f"DELETE FROM record_sources WHERE entity = '{entity}' "
                "AND entity_id = OLD.id; END"
            )
        bind.execute(sa.text(sql))


def _backfill(bind: sa.Connection) -> None:
    # As the models store times: naive UTC.
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    synced = set(bind.execute(sa.text("SELECT DISTINCT connector FROM sync_state")).scalars().all())
    hubspot_ids = "hubspot" if "hubspot" in synced else "files"
    keep = "ON CONFLICT (entity, entity_id, source) DO NOTHING"

    def run(sql: str) -> None:
        given = {"now": now, "hub": hubspot_ids}
        bind.execute(sa.text(sql), {k: v for k, v in given.items() if f":{k}" in sql})

    # HubSpot's stand-in messages and meetings gain the external ids later syncs look for.
    mail_len = len(_MAIL_HEAD) + len(_MAIL_TAIL)
    bind.execute(
        sa.text(
            "INSERT INTO external_ids (entity, entity_id, connector, external_id) "
            f"SELECT 'message', id, 'hubspot', substr(message_id, {len(_MAIL_HEAD) + 1}, "
            f"length(message_id) - {mail_len}) FROM messages "
            f"WHERE message_id LIKE '{_MAIL_HEAD}%{_MAIL_TAIL}' "
            "ON CONFLICT (connector, entity, external_id) DO NOTHING"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO external_ids (entity, entity_id, connector, external_id) "
            f"SELECT 'meeting', id, 'hubspot', substr(uid, {len(_MEETING_HEAD) + 1}) "
            f"FROM meetings WHERE uid LIKE '{_MEETING_HEAD}%' "
            "ON CONFLICT (connector, entity, external_id) DO NOTHING"
        )
    )

    columns = "(entity, entity_id, source, first_seen_at, last_seen_at)"
    # (Messages' and meetings' external ids are the stand-ins' just made: sourced below.)
    for entity, table in TABLES.items():
        if entity in ("message", "meeting"):
            continue
        run(
            f"INSERT INTO record_sources {columns} "
            "SELECT DISTINCT e.entity, e.entity_id, "
            "CASE e.connector WHEN 'hubspot' THEN :hub ELSE e.connector END, :now, :now "
            f"FROM external_ids AS e JOIN {table} AS r ON r.id = e.entity_id "
            f"WHERE e.entity = '{entity}' AND e.connector IN {_IN_SOURCES} {keep}"
        )
    for entity, column in SIGNAL_LINKS.items():
        run(
            f"INSERT INTO record_sources {columns} "
            f"SELECT '{entity}', s.{column}, s.source, min(s.created_at), max(s.created_at) "
            f"FROM signals AS s JOIN {TABLES[entity]} AS r ON r.id = s.{column} "
            f"WHERE s.source IN {_IN_SOURCES} GROUP BY s.{column}, s.source {keep}"
        )
    for kind in ("email.received", "email.sent"):
        run(
            f"INSERT INTO record_sources {columns} "
            "SELECT 'message', m.id, s.source, s.created_at, s.created_at "
            f"FROM messages AS m JOIN signals AS s ON s.dedup_key = '{kind}:' || m.message_id "
            f"WHERE s.source IN {_IN_SOURCES} {keep}"
        )
    run(
        f"INSERT INTO record_sources {columns} SELECT 'message', id, 'hubspot', :now, :now "
        f"FROM messages WHERE message_id LIKE '{_MAIL_HEAD}%{_MAIL_TAIL}' {keep}"
    )
    run(
        f"INSERT INTO record_sources {columns} SELECT 'meeting', id, 'hubspot', :now, :now "
        f"FROM meetings WHERE uid LIKE '{_MEETING_HEAD}%' {keep}"
    )
    run(
        f"INSERT INTO record_sources {columns} "
        f"SELECT 'document', id, 'drive', :now, :now FROM documents WHERE true {keep}"
    )
    if synced & set(LIVE):
        return
    # Only ever imported: what has no source yet came from the import.
    rest = "demo" if "demo" in synced and "files" not in synced else "files"
    for entity, table in TABLES.items():
        run(
            f"INSERT INTO record_sources {columns} "
            f"SELECT '{entity}', r.id, '{rest}', :now, :now FROM {table} AS r "
            "WHERE NOT EXISTS (SELECT 1 FROM record_sources AS x "
            f"WHERE x.entity = '{entity}' AND x.entity_id = r.id) {keep}"
        )


def downgrade() -> None:
    bind = op.get_bind()
    for table in TABLES.values():
        bind.execute(sa.text(f"DROP TRIGGER IF EXISTS record_sources_{table}_gone"))
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("DROP FUNCTION IF EXISTS record_sources_gone()"))
    op.drop_table("record_sources")
