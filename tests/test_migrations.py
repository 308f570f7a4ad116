"""Schema migrations: a database from the first migration upgrades without loss."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from daemon.store.engine import current_revision, head_revision, make_engine, migrate
from tests.conftest import DaemonProcess, run_cli


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
    await migrate(engine)
    await migrate(engine)
    assert await current_revision(engine) == head_revision()
    await engine.dispose()


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
