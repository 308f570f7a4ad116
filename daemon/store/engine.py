"""Opening a workspace database: engine, pragmas, migrations and the session factory."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from daemon.store.checkpoint import JOURNAL_SIZE_LIMIT, WRITER_AUTOCHECKPOINT
from daemon.store.fold import FOLD_FUNCTION, fold

MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(path: Path, *, shared: bool = False) -> str:
    """The workspace's SQLite file; for the shared (`main`) workspace `CASEYOS_DATABASE_URL`
    wins, so a team can point it at PostgreSQL while the demo stays a local file."""
    if shared and os.environ.get("CASEYOS_DATABASE_URL"):
        return os.environ["CASEYOS_DATABASE_URL"]
    return f"sqlite+aiosqlite:///{path}"


# The writer's page cache (KiB): a bulk write touches index pages all over the file.
WRITER_CACHE_KIB = 16_000


def _sqlite_pragmas(writer: bool) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Search folds case and accents the same way on both sides (records.search).
        dbapi_conn.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)
        if writer:
            # The WAL is folded back by `daemon.store.checkpoint`; this is the backstop.
            cur.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT}")
            # The connection that starts the WAL over cuts the file back to this size.
            cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            cur.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        cur.close()

    return on_connect


def make_engine(url: str, pool_size: int = 8, *, writer: bool = False) -> AsyncEngine:
    """An engine; `writer` marks the workspace's one write connection (SQLite settings)."""
    overflow = 8 if pool_size > 1 else 0
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=overflow, pool_timeout=30)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(writer))
    return engine


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> tuple[str | None, str | None]:
    before = _current(connection)
    if revision == "head" and before == head_revision():
        # The usual start: nothing to do, and Alembic (a fifth of a start) stays unloaded.
        return before, before
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)
    return before, _current(connection)


def _current(connection: Connection) -> str | None:
    """The schema's revision as Alembic recorded it (None for an empty database)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return found[0] if len(found) == 1 else None


async def migrate(engine: AsyncEngine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema up to `revision`; safe to run on every start.

    Returns the revision before and after (None for an empty database).
    """
    async with engine.begin() as conn:
        return await conn.run_sync(_upgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]+)\"|None)", re.M)


@functools.cache
def head_revision() -> str:
    """The newest migration's revision: the one no other migration names as the one before
    it. Read from the migration files' `revision = ...` lines rather than through Alembic,
    so opening an up-to-date workspace loads no Alembic (a test holds it to Alembic's own
    answer)."""
    revisions: set[str] = set()
    earlier: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("m*.py"):
        for name, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else earlier).add(value)
    heads = revisions - earlier
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads, not one: {sorted(heads)}")
    return heads.pop()


async def refresh_statistics(engine: AsyncEngine) -> None:
    """Let SQLite's planner know table sizes, so it picks the ranking index for Today."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.begin() as conn:
        # A bounded sample per index keeps this short on a large workspace.
        await conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        await conn.exec_driver_sql("ANALYZE")


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
