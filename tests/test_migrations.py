"""Schema migrations: a database from the first migration upgrades without loss."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import corpus
from connectors.files import parse_file
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.engine import (
    current_revision,
    head_revision,
    make_engine,
    migrate,
    sessionmaker,
)
from tests.conftest import DaemonProcess, run_cli
from tests.mailfixtures import Mail, write_mbox


async def test_database_from_first_migration_upgrades_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine, "0001")
    assert await current_revision(engine) == "0001"
    await engine.dispose()

    # Rows as version 0001 wrote them: plain SQL, no knowledge of today's models.
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO companies (id, domain, name, created_at, updated_at) VALUES "
        "(1, 'acme.example', 'Acme', '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
    )
    db.execute(
        "INSERT INTO contacts (id, email, name, company_id, starred, created_at, "
        "updated_at) VALUES (1, 'dana@acme.example', 'Dana Reyes', 1, 0, "
        "'2026-11-01 10:00:00', '2026-11-01 10:00:00')"
    )
    db.execute(
        "INSERT INTO moves (id, title, why_now, move_type, agent, contact_id, aps, "
        "aps_breakdown, score_inputs, due_at, status, dedup_key, created_at, updated_at) "
        "VALUES (1, 'Call Dana', 'renewal', 'task', 'manual', 1, 55.0, '{}', '{}', "
        "'2026-11-24 09:00:00', 'pending', 'manual:1', '2026-11-20 09:00:00', "
        "'2026-11-20 09:00:00')"
    )
    db.commit()
    db.close()

    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    assert await current_revision(engine) == head_revision() != "0001"
    await engine.dispose()

    db = sqlite3.connect(path)
    assert db.execute("SELECT title, status, aps FROM moves").fetchall() == [
        ("Call Dana", "pending", 55.0)
    ]
    assert db.execute("SELECT email FROM contacts").fetchall() == [("dana@acme.example",)]
    # The upgrade gives existing moves their first history entry.
    assert db.execute("SELECT move_id, to_status FROM move_events").fetchall() == [(1, "pending")]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    assert await migrate(engine) == (None, head_revision())
    assert await migrate(engine) == (head_revision(), head_revision())
    assert await current_revision(engine) == head_revision()
    await engine.dispose()


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from daemon.store.engine import MIGRATIONS

    assert head_revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_opening_an_up_to_date_workspace_loads_no_alembic(tmp_path: Path) -> None:
    """Alembic is a fifth of a daemon's start; a workspace at the newest schema (every
    start but the first after an upgrade) must not need it."""
    import subprocess
    import sys

    path = tmp_path / "w.sqlite3"
    script = f"""
import asyncio, sys
from daemon.store.engine import make_engine, migrate
async def main():
    engine = make_engine("sqlite+aiosqlite:///{path}")
    first = await migrate(engine)
    loaded = "alembic" in sys.modules
    for name in [m for m in sys.modules if m == "alembic" or m.startswith("alembic.")]:
        del sys.modules[name]
    again = await migrate(engine)
    await engine.dispose()
    print(first[1] == again[0] == again[1], loaded, "alembic" in sys.modules)
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True", "False"], out.stderr


def test_daemon_upgrades_an_old_workspace_on_start(
    daemon_env: dict[str, str], caseyos_home: Path
) -> None:
    import asyncio

    ws_dir = caseyos_home / "data" / "workspaces"
    ws_dir.mkdir(parents=True)
    (caseyos_home / "data" / "active_workspace").write_text("main\n")
    path = ws_dir / "main.sqlite3"

    async def old() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine, "0001")
        await engine.dispose()

    asyncio.run(old())
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO settings (key, value) VALUES ('operator', "
        '\'{"name": "Old Timer", "emails": ["old@timer.example"], '
        '"timezone": "UTC"}\')'
    )
    db.commit()
    db.close()
    d = DaemonProcess(daemon_env).start()
    try:
        assert d.call("operator.show", {})["name"] == "Old Timer"
        # The log says what the upgrade did, once, in the daemon's words.
        log = [json.loads(r) for r in run_cli("daemon", "logs", "--json").stdout.splitlines()]
        said = [r["message"] for r in log if r["logger"] == "daemon.workspaces"]
        assert f"migrated workspace main from 0001 to {head_revision()}" in said
        assert not [r for r in log if (r["logger"] or "").startswith("alembic")]
        moved = d.call("queue.add", {"title": "after upgrade"})["move"]
        assert d.call("queue.show", {"id": moved["id"]})["history"][0]["to_status"] == "pending"
    finally:
        d.stop()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_0007_records_thread_roots_and_a_reimport_joins_split_threads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine, "0006")
    await engine.dispose()

    # As 0006 stored a parent-only chain: Zoe's second message (c) became a thread of its
    # own, keyed by the id of the message it answers; beside it, a Gmail-keyed thread.
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO threads (id, thread_key, subject, is_internal, last_message_at) "
        "VALUES (?, ?, ?, 0, ?)",
        [
            (1, "a@lumen.example", "Pricing for Lumen", "2026-11-17 15:00:00.000000"),
            (2, "18b7621058f88001", "Gmail thread", "2026-11-20 09:00:00.000000"),
            (3, "b@northwind.example", "RE: Pricing for Lumen", "2026-11-24 16:00:00.000000"),
            (4, "root@elsewhere.example", "Re: Intro", "2026-11-21 09:00:00.000000"),
        ],
    )
    db.executemany(
        "INSERT INTO messages (id, thread_id, message_id, from_addr, to_addrs, cc_addrs, "
        "subject, body, sent_at, direction, labels, is_draft) "
        "VALUES (?, ?, ?, ?, '[]', '[]', ?, 'text', ?, ?, '[]', 0)",
        [
            (
                1,
                1,
                "a@lumen.example",
                "zoe@lumen.example",
                "Pricing for Lumen",
                "2026-11-16 14:00:00.000000",
                "inbound",
            ),
            (
                2,
                1,
                "b@northwind.example",
                "casey@northwind.example",
                "Re: Pricing for Lumen",
                "2026-11-17 15:00:00.000000",
                "outbound",
            ),
            (
                3,
                3,
                "c@lumen.example",
                "zoe@lumen.example",
                "RE: Pricing for Lumen",
                "2026-11-24 16:00:00.000000",
                "inbound",
            ),
            (
                4,
                2,
                "g@lumen.example",
                "zoe@lumen.example",
                "Gmail thread",
                "2026-11-20 09:00:00.000000",
                "inbound",
            ),
            (
                5,
                4,
                "r2@lumen.example",
                "zoe@lumen.example",
                "Re: Intro",
                "2026-11-21 09:00:00.000000",
                "inbound",
            ),
        ],
    )
    db.execute(
        "INSERT INTO moves (id, title, why_now, move_type, agent, thread_id, aps, "
        "aps_breakdown, score_inputs, due_at, status, dedup_key, prepared_action, "
        "created_at, updated_at) VALUES (1, 'Reply to Zoe', 'wrote', 'reply', "
        "'reply_needed', 3, 60.0, '{}', '{}', '2026-11-24 16:00:00', 'pending', "
        '\'reply:3:c@lumen.example\', \'{"type": "reply_email", "thread_id": 3}\', '
        "'2026-11-24 17:00:00', '2026-11-24 17:00:00')"
    )
    db.commit()
    db.close()

    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    db = sqlite3.connect(path)
    assert db.execute("SELECT id, from_source FROM threads ORDER BY id").fetchall() == [
        (1, 0),
        (2, 1),
        (3, 0),
        (4, 0),
    ]
    # The root ids header-keyed threads were named by, where no stored message has them
    # (the key of thread 3 is a message of thread 1: found among the messages).
    assert db.execute("SELECT ref, thread_id FROM thread_refs").fetchall() == [
        ("root@elsewhere.example", 4)
    ]
    indexes = {row[1] for row in db.execute("PRAGMA index_list('moves')")}
    assert "ix_moves_thread_id" in indexes
    db.close()

    # Importing the same mail again joins what the old threading split.
    zoe, casey = "Zoe Park <zoe@lumen.example>", "casey@northwind.example"
    mbox = write_mbox(
        tmp_path / "again.mbox",
        [
            Mail(
                "a@lumen.example",
                zoe,
                casey,
                "Pricing for Lumen",
                datetime(2026, 11, 16, 14, tzinfo=UTC),
            ),
            Mail(
                "b@northwind.example",
                casey,
                zoe,
                "Re: Pricing for Lumen",
                datetime(2026, 11, 17, 15, tzinfo=UTC),
                in_reply_to="a@lumen.example",
            ),
            Mail(
                "c@lumen.example",
                zoe,
                casey,
                "RE: Pricing for Lumen",
                datetime(2026, 11, 24, 16, tzinfo=UTC),
                in_reply_to="b@northwind.example",
            ),
        ],
    )
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    now = datetime(2026, 11, 25, 15, tzinfo=UTC)
    async with sessionmaker(engine)() as s, s.begin():
        report = await write_chunk(
            Ingest(corpus.operator(), now, "files"), s, parse_file(mbox, corpus.operator())
        )
    await engine.dispose()
    assert report.counts["messages"] == 0
    db = sqlite3.connect(path)
    assert db.execute("SELECT id FROM threads ORDER BY id").fetchall() == [(1,), (2,), (4,)]
    assert db.execute("SELECT DISTINCT thread_id FROM messages WHERE id < 4").fetchall() == [(1,)]
    assert db.execute("SELECT thread_id, dedup_key, prepared_action FROM moves").fetchall() == [
        (1, "reply:1:c@lumen.example", '{"type": "reply_email", "thread_id": 1}')
    ]
    assert db.execute("SELECT subject, last_message_at FROM threads WHERE id = 1").fetchone() == (
        "Pricing for Lumen",
        "2026-11-24 16:00:00.000000",
    )
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


async def test_the_migrations_build_the_schema_the_models_declare(tmp_path: Path) -> None:
    """Every table, column and index in models.py comes from a migration, and no migration
    leaves something the models do not know (Alembic's own comparison)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from daemon.store.models import Base

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    await migrate(engine)

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    await engine.dispose()
    # SQLite reflects the expression in ix_moves_rank ("aps DESC") as a plain column, so
    # Alembic sees a removed and an added index that are the same one.
    changes = [c for c in changes if getattr(c[1], "name", None) != "ix_moves_rank"]
    assert changes == []


async def test_0009_folds_the_names_already_stored(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await migrate(engine, "0008")
    now = "2026-11-01 00:00:00.000000"
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO companies (id, domain, name, created_at, updated_at) "
            f"VALUES (1, 'acme.example', 'Ácme Røbotics', '{now}', '{now}')"
        )
        await conn.exec_driver_sql(
            "INSERT INTO contacts (id, email, name, company_id, starred, created_at, updated_at) "
            f"VALUES (1, 'zoe@acme.example', 'Zoë Park', 1, 0, '{now}', '{now}'), "
            f"(2, 'noname@acme.example', NULL, 1, 0, '{now}', '{now}')"
        )
        await conn.exec_driver_sql(
            "INSERT INTO threads (id, thread_key, subject, is_internal) "
            "VALUES (1, 'k1', 'Réunion: Q4 pricing', 0)"
        )
    await migrate(engine)
    async with engine.connect() as conn:
        subjects = (await conn.exec_driver_sql("SELECT subject_key FROM threads")).all()
        contacts = (await conn.exec_driver_sql("SELECT name_key FROM contacts ORDER BY id")).all()
        companies = (await conn.exec_driver_sql("SELECT name_key FROM companies")).all()
    await engine.dispose()
    assert [r[0] for r in contacts] == ["zoe park", "noname@acme.example"]
    assert [r[0] for r in companies] == ["acme robotics"]
    assert [r[0] for r in subjects] == ["reunion: q4 pricing"]


async def test_0011_files_hubspot_ids_under_hubspot(tmp_path: Path) -> None:
    """An export's deal, task and note ids move to `hubspot`; contacts' stay; an id the
    live sync already holds keeps the live row."""
    db = tmp_path / "w.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await migrate(engine, "0010")
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO external_ids (entity, entity_id, connector, external_id) VALUES "
            "('deal', 1, 'files', 'd-1'), ('task', 2, 'files', 't-1'), "
            "('note', 3, 'files', 'n-1'), ('contact', 4, 'hubspot', 'c-1'), "
            "('deal', 5, 'files', 'd-2'), ('deal', 6, 'hubspot', 'd-2')"
        )
    await migrate(engine)
    async with engine.connect() as conn:
        rows = (
            await conn.exec_driver_sql(
                "SELECT entity, entity_id, connector, external_id FROM external_ids "
                "ORDER BY entity_id"
            )
        ).all()
    await engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("deal", 1, "hubspot", "d-1"),
        ("task", 2, "hubspot", "t-1"),
        ("note", 3, "hubspot", "n-1"),
        ("contact", 4, "hubspot", "c-1"),
        ("deal", 6, "hubspot", "d-2"),
    ]


async def test_0016_indexes_moves_by_their_references_and_signals_still_waiting(
    tmp_path: Path,
) -> None:
    from alembic import command

    from daemon.store.engine import _alembic_config

    db = tmp_path / "w.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")

    def indexes(table: str) -> dict[str, bool]:
        """Index name -> whether it is partial."""
        con = sqlite3.connect(db)
        try:
            return {r[1]: bool(r[4]) for r in con.execute(f"PRAGMA index_list('{table}')")}
        finally:
            con.close()

    refs = ("ix_moves_thread_id", "ix_moves_deal_id", "ix_moves_meeting_id")
    await migrate(engine, "0015")
    assert not any(indexes("moves")[name] for name in refs)
    assert "ix_signals_processed_at" in indexes("signals")
    await migrate(engine)
    moves, signals = indexes("moves"), indexes("signals")
    assert all(moves[name] for name in refs), "only the moves that have one"
    assert not moves["ix_moves_contact_id"]
    assert signals.get("ix_signals_waiting") is True and "ix_signals_processed_at" not in signals

    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0015"))
    assert await current_revision(engine) == "0015"
    moves, signals = indexes("moves"), indexes("signals")
    assert not any(moves[name] for name in refs)
    assert "ix_signals_waiting" not in signals and "ix_signals_processed_at" in signals
    await migrate(engine)
    assert await current_revision(engine) == head_revision()
    await engine.dispose()
