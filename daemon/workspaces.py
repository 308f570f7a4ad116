"""Workspaces: one SQLite database each. The demo never shares a file with real data.

`main` holds the operator's own data; `demo` holds the bundled demo workspace. The active
one is remembered in a small file so the CLI's plain commands follow it across restarts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DatabaseError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from daemon import paths
from daemon.store import backup
from daemon.store.checkpoint import WalCheckpointer
from daemon.store.engine import (
    current_revision,
    database_url,
    head_revision,
    make_engine,
    migrate,
    refresh_statistics,
    sessionmaker,
)

log = logging.getLogger(__name__)

MAIN = "main"
DEMO = "demo"
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class WorkspaceDamaged(Exception):
    """A workspace's database cannot be read; the message says what to do about it."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name

    @classmethod
    def found(
        cls, name: str, path: Path, reason: str, newest_backup: Path | None
    ) -> WorkspaceDamaged:
        if _unwritable(path, reason):
            return cls(
                name,
                f"workspace {name} cannot be written at {path} ({reason}); make "
                f"{path.parent} writable for you, then `caseyos daemon restart`",
            )
        if newest_backup is not None:
            todo = (
                f"`caseyos workspace restore {name}` puts back its backup "
                f"{newest_backup.stem}, or `caseyos workspace recover {name}` saves what the "
                "file still holds (either way the damaged file is kept)"
            )
        else:
            todo = (
                f"it has no backup; `caseyos workspace recover {name}` saves what the file "
                "still holds"
            )
        return cls(name, f"workspace {name} is damaged ({reason}) at {path}; {todo}")


def _unwritable(path: Path, reason: str) -> bool:
    """A database that is fine but may not be written (a read-only directory or disk)."""
    if "readonly" in reason or "read-only" in reason:
        return True
    folder = path.parent
    return folder.exists() and not os.access(folder, os.W_OK)


@dataclass
class Workspace:
    """One database with two engines: a pool for readers and a single writer connection.

    SQLite allows one writer at a time; giving writes their own connection (and a lock)
    means a write never queues behind readers for a pooled connection, and readers in WAL
    mode never wait for the writer.
    """

    name: str
    path: Path
    engine: AsyncEngine
    write_engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    write_factory: async_sessionmaker[AsyncSession]
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # SQLite only: folds the WAL into the database after writes, off the writer's path.
    checkpointer: WalCheckpointer | None = None

    @asynccontextmanager
    async def session(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """A session that is always closed, so its connection goes back to the pool.

        Writers must hold `write_lock` (the dispatcher and the pipeline do).
        """
        session = (self.write_factory if write else self.factory)()
        try:
            yield session
        finally:
            await session.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The one writer: the lock, the write connection, one transaction."""
        async with self.write_lock, self.session(write=True) as session, session.begin():
            yield session
        if self.checkpointer is not None:
            self.checkpointer.wrote()

    async def refresh_statistics(self) -> None:
        """Re-ANALYZE after a large write; ANALYZE writes, so it takes the writer's turn."""
        async with self.write_lock:
            await refresh_statistics(self.write_engine)

    def checked_out(self) -> int:
        total = 0
        for engine in (self.engine, self.write_engine):
            checkedout = getattr(engine.pool, "checkedout", None)
            total += int(checkedout()) if callable(checkedout) else 0
        return total

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.write_engine.dispose()
        if self.checkpointer is not None:
            await self.checkpointer.close()


OnOpen = Callable[[Workspace], Awaitable[None]]


class WorkspaceManager:
    def __init__(self, root: Path | None = None, on_open: OnOpen | None = None):
        self.root = root or paths.workspaces_dir()
        # Run once per workspace and process, when it is first opened (before anyone uses it).
        self.on_open = on_open
        self._open: dict[str, Workspace] = {}
        # Workspaces whose database could not be opened, and why (asked again on each open).
        self.damaged: dict[str, str] = {}
        self._active: str | None = None
        self._lock = asyncio.Lock()

    def db_path(self, name: str) -> Path:
        return self.root / f"{name}.sqlite3"

    def exists(self, name: str) -> bool:
        return self.db_path(name).exists()

    def names(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.stem for p in self.root.glob("*.sqlite3"))

    def remembered(self) -> str | None:
        f = paths.active_workspace_file()
        if not f.exists():
            return None
        name = f.read_text().strip()
        return name if NAME_RE.match(name) else None

    @property
    def active_name(self) -> str:
        if self._active is None:
            raise RuntimeError("no workspace is active yet")
        return self._active

    def active(self) -> Workspace:
        name = self.active_name
        ws = self._open.get(name)
        if ws is None:
            raise WorkspaceDamaged(name, self.damaged.get(name, f"workspace {name} is not open"))
        return ws

    def mark_active(self, name: str) -> None:
        """Make a workspace that could not be opened the active one: commands on it then say
        what is wrong with it, instead of quietly showing another workspace."""
        self._active = name

    async def close_one(self, name: str) -> None:
        """Close one workspace (to put a backup in its place)."""
        async with self._lock:
            ws = self._open.pop(name, None)
            if ws is not None:
                async with ws.write_lock:
                    await ws.dispose()

    async def every(self) -> list[Workspace]:
        """Every workspace on this machine that opens (a damaged one is left out)."""
        found = []
        for name in self.names():
            try:
                found.append(await self.open(name))
            except WorkspaceDamaged:
                continue
        return found

    async def open(self, name: str) -> Workspace:
        """Open (creating and migrating as needed) a workspace's database."""
        if not NAME_RE.match(name):
            raise ValueError(f"bad workspace name {name!r}")
        async with self._lock:
            ws = self._open.get(name)
            if ws is not None:
                return ws
            paths.ensure_private_dir(self.root)
            path = self.db_path(name)
            url = database_url(path, shared=name == MAIN)
            writer = make_engine(url, pool_size=1, writer=True)
            try:
                if url == database_url(path) and not path.exists():
                    # SQLite creates -wal and -shm with the database's own mode.
                    paths.touch_private(path)
                await self._back_up_before_migrating(name, path, writer)
                before, after = await migrate(writer)
                # Reads the whole schema's statistics: a damaged page deep in the file
                # shows here, at open, rather than in the middle of a command.
                await refresh_statistics(writer)
            except (DatabaseError, OSError) as exc:
                await writer.dispose()
                if isinstance(exc, DatabaseError):
                    reason = str(exc.orig) if exc.orig is not None else str(exc)
                else:
                    reason = (exc.strerror or str(exc)).lower()
                damaged = WorkspaceDamaged.found(name, path, reason, self.newest_backup(name))
                self.damaged[name] = str(damaged)
                log.error("%s", damaged)
                raise damaged from None
            self.damaged.pop(name, None)
            if before is None:
                log.info("created workspace %s (schema %s)", name, after)
            elif before != after:
                log.info("migrated workspace %s from %s to %s", name, before, after)
            reader = make_engine(url)
            ws = Workspace(name, path, reader, writer, sessionmaker(reader), sessionmaker(writer))
            if writer.dialect.name == "sqlite" and writer.url.database:
                ws.checkpointer = WalCheckpointer(Path(writer.url.database), ws.write_lock)
            if self.on_open is not None:
                await self.on_open(ws)
            self._open[name] = ws
            log.info("workspace %s open at %s", name, path)
            return ws

    async def back_up(self, name: str, now: datetime) -> Path:
        """A backup of a workspace now (today's, replacing an earlier one of today)."""
        path = self.db_path(name)
        if not path.exists():
            raise FileNotFoundError(f"no workspace {name!r}")
        return await asyncio.to_thread(backup.make, self.root.parent, name, path, now)

    async def restore(self, name: str, source: Path, now: datetime) -> Path | None:
        """Put a backup in place of a workspace's database and open it again.

        The file it replaces is kept beside the backups (`<time>.replaced`, not itself
        listed as a backup), damaged or not, and returned: a restore never loses what was
        there.
        """
        path = self.db_path(name)
        await self.close_one(name)
        kept = await self._set_aside(name, now, "replaced") if path.exists() else None
        await asyncio.to_thread(backup.restore, source, path)
        self.damaged.pop(name, None)
        await self.open(name)
        return kept

    async def _set_aside(self, name: str, now: datetime, label: str) -> Path:
        """Move a closed workspace's file (with its -wal, -shm and -journal) beside its
        backups as `<time>.<label>`, where listing backups does not see it; returns where."""
        path = self.db_path(name)
        kept = backup.backups_dir(self.root.parent, name) / f"{now:%Y-%m-%dT%H%M%S}.{label}"
        kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for suffix in ("", "-wal", "-shm", "-journal"):
            side = Path(str(path) + suffix)
            if side.exists():
                await asyncio.to_thread(os.replace, side, Path(str(kept) + suffix))
        return kept

    async def recover(self, name: str, now: datetime) -> tuple[Path, dict[str, int]]:
        """Rebuild a damaged workspace from the rows its file can still give
        (`daemon.store.recover`), into a fresh file with the current schema.

        The damaged file is kept beside the backups; returns where, and the rows copied
        per table.
        """
        from daemon.store import recover
        from daemon.store.models import Base

        path = self.db_path(name)
        if not path.exists():
            raise FileNotFoundError(f"no workspace {name!r}")
        await self.close_one(name)
        rebuilt = path.with_name(path.name + ".recovered")
        rebuilt.unlink(missing_ok=True)
        engine = make_engine(f"sqlite+aiosqlite:///{rebuilt}", pool_size=1)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()
        for side in ("-wal", "-shm"):
            Path(str(rebuilt) + side).unlink(missing_ok=True)
        tables = [t.name for t in Base.metadata.sorted_tables]
        copied = await asyncio.to_thread(recover.salvage, path, rebuilt, tables)
        kept = await self._set_aside(name, now, "damaged")
        await asyncio.to_thread(os.replace, rebuilt, path)
        self.damaged.pop(name, None)
        await self.open(name)
        return kept, copied

    def newest_backup(self, name: str) -> Path | None:
        found = backup.listed(self.root.parent, name)
        return found[0] if found else None

    async def _back_up_before_migrating(self, name: str, path: Path, writer: AsyncEngine) -> None:
        """A copy of the data as it was, before a migration changes its schema."""
        if writer.dialect.name != "sqlite" or not path.exists():
            return
        before = await current_revision(writer)
        head = head_revision()
        if before is None or before == head:
            return
        made = await asyncio.to_thread(
            backup.make, self.root.parent, name, path, datetime.now(UTC), f"before-{head}"
        )
        log.info("backed up workspace %s to %s before migrating it", name, made)

    async def use(self, name: str) -> Workspace:
        ws = await self.open(name)
        self._active = name
        f = paths.active_workspace_file()
        paths.ensure_private_dir(f.parent)
        paths.write_private_text(f, name + "\n")
        return ws

    async def delete(self, name: str) -> None:
        """Remove a workspace's database completely (used by `demo --reset`)."""
        async with self._lock:
            ws = self._open.pop(name, None)
            if ws is not None:
                async with ws.write_lock:
                    await ws.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.db_path(name)) + suffix).unlink(missing_ok=True)

    async def close(self) -> None:
        for ws in list(self._open.values()):
            await ws.dispose()
        self._open.clear()
