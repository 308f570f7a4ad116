"""Which sources brought a record (`record_sources`): written once per chunk, kept when a
second source brings the same record, gone with the record, backfilled by migration 0012."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bench import corpus
from connectors.files import parse_file
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.engine import make_engine, migrate
from daemon.store.models import Contact, RecordSource
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def _import(store: Store, path: Path, source: str, now: datetime = NOW) -> None:
    op = corpus.operator()
    job = Ingest(op, now, source)
    async with store.transaction() as s:
        await write_chunk(job, s, parse_file(path, op, now=now))


async def _sources(store: Store, entity: str) -> dict[int, dict[str, tuple[datetime, datetime]]]:
    async with store.transaction() as s:
        rows = await s.execute(select(RecordSource).where(RecordSource.entity == entity))
        found: dict[int, dict[str, tuple[datetime, datetime]]] = {}
        for (r,) in rows:
            found.setdefault(r.entity_id, {})[r.source] = (r.first_seen_at, r.last_seen_at)
        return found


async def test_a_chunk_records_its_sources_in_one_statement_and_a_second_source_adds_one(
    store: Store, tmp_path: Path
) -> None:
    mbox = tmp_path / "mail.mbox"
    corpus.write_mbox(mbox, 200)
    with store.counting() as statements:
        await _import(store, mbox, "files")
    writes = [q for q in statements if "record_sources" in q]
    assert len(writes) == 1, writes  # one executemany for the whole chunk

    messages = await _sources(store, "message")
    contacts = await _sources(store, "contact")
    assert messages and all(set(v) == {"files"} for v in messages.values())
    assert contacts and all(set(v) == {"files"} for v in contacts.values())

    # The same mailbox again, later, through another name: first seen stays, last moves on.
    later = NOW + timedelta(days=2)
    await _import(store, mbox, "gmail", now=later)
    again = await _sources(store, "message")
    assert again.keys() == messages.keys()
    for mid, by_source in again.items():
        assert by_source["files"] == messages[mid]["files"]
        assert by_source["gmail"] == (later, later)


async def test_a_deleted_record_takes_its_sources_with_it(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    corpus.write_contacts_csv(path, 20)
    await _import(store, path, "files")
    contacts = await _sources(store, "contact")
    gone = min(contacts)
    async with store.transaction() as s:
        await s.execute(delete(Contact).where(Contact.id == gone))
    left = await _sources(store, "contact")
    assert gone not in left and left.keys() == contacts.keys() - {gone}


STAMP = "2026-11-01 00:00:00.000000"


async def _old_workspace(path: Path, synced: list[str]) -> None:
    """A workspace at 0011 with a record of each kind the backfill reads differently."""
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine, "0011")
    async with engine.begin() as conn:
        run = conn.exec_driver_sql
        await run(
            "INSERT INTO contacts (id, email, starred, created_at, updated_at) VALUES "
            f"(1, 'hub@acme.example', 0, '{STAMP}', '{STAMP}'), "
            f"(2, 'signal@acme.example', 0, '{STAMP}', '{STAMP}'), "
            f"(3, 'bare@acme.example', 0, '{STAMP}', '{STAMP}')"
        )
        await run(
            "INSERT INTO external_ids (entity, entity_id, connector, external_id) "
            "VALUES ('contact', 1, 'hubspot', '501'), ('contact', 99, 'hubspot', '502')"
        )
        await run(
            "INSERT INTO signals (kind, source, occurred_at, dedup_key, payload, contact_id, "
            "created_at) VALUES ('contact.created', 'demo', '2026-10-01 00:00:00.000000', "
            "'contact.created:signal@acme.example', '{}', 2, '2026-10-02 00:00:00.000000'), "
            "('email.received', 'gmail', '2026-10-01 00:00:00.000000', "
            "'email.received:real.1@acme.example', '{}', NULL, '2026-10-03 00:00:00.000000')"
        )
        await run(
            "INSERT INTO threads (id, thread_key, subject, is_internal) VALUES (1, 'k', 's', 0)"
        )
        await run(
            "INSERT INTO messages (id, thread_id, message_id, from_addr, to_addrs, cc_addrs, "
            "subject, body, sent_at, direction, labels, is_draft) VALUES "
            "(1, 1, 'hubspot-email-777@hubspot.generated', 'a@acme.example', '[]', '[]', "
            f"'s', '', '{STAMP}', 'inbound', '[]', 0), "
            "(2, 1, 'real.1@acme.example', 'a@acme.example', '[]', '[]', "
            f"'s', '', '{STAMP}', 'inbound', '[]', 0)"
        )
        await run(
            "INSERT INTO meetings (id, uid, title, start_at, end_at, status) VALUES "
            f"(1, 'hubspot-meeting-888', 'Demo', '{STAMP}', '{STAMP}', 'confirmed')"
        )
        for name in synced:
            await run(
                "INSERT INTO sync_state (connector, stream, records, updated_at) "
                f"VALUES ('{name}', 'all', 1, '{STAMP}')"
            )
    await migrate(engine)
    await engine.dispose()


async def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.connect() as conn:
        rows = [tuple(r) for r in (await conn.exec_driver_sql(sql)).all()]
    await engine.dispose()
    return rows


async def test_0012_backfills_sources_in_a_workspace_that_only_imported(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    await _old_workspace(db, ["files"])
    rows = await _rows(
        db, "SELECT entity, entity_id, source FROM record_sources ORDER BY entity, entity_id"
    )
    assert rows == [
        ("contact", 1, "files"),  # a HubSpot id with no live HubSpot sync: an export's
        ("contact", 2, "demo"),  # its signal's source
        ("contact", 3, "files"),  # the rest of a workspace that only imported
        ("meeting", 1, "hubspot"),  # HubSpot's stand-in uid
        ("message", 1, "hubspot"),  # HubSpot's stand-in Message-ID
        ("message", 2, "gmail"),  # its email.received's source
    ]
    first = await _rows(
        db, "SELECT first_seen_at FROM record_sources WHERE entity = 'contact' AND entity_id = 2"
    )
    assert first == [("2026-10-02 00:00:00.000000",)]  # when the signal was written
    linked = await _rows(
        db,
        "SELECT entity, entity_id, external_id FROM external_ids WHERE connector = 'hubspot' "
        "AND entity IN ('message', 'meeting') ORDER BY entity",
    )
    assert linked == [("meeting", 1, "888"), ("message", 1, "777")]


async def test_0012_leaves_unknown_what_a_live_workspace_cannot_tell(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    await _old_workspace(db, ["files", "hubspot", "gmail"])
    rows = await _rows(
        db,
        "SELECT entity_id, source FROM record_sources WHERE entity = 'contact' ORDER BY entity_id",
    )
    assert rows == [(1, "hubspot"), (2, "demo")]  # no guess for contact 3
