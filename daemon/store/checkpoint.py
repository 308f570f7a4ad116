"""Folding the write-ahead log back into the database, off the writer's path.

In WAL mode every commit appends pages to `NAME.sqlite3-wal`; a checkpoint copies them into
the database file. SQLite's default runs that checkpoint inside whichever commit crosses
1,000 WAL pages, so one chunk of a long import now and then pays for the pages of all the
chunks before it (and for an fsync): at 50,000 contacts that was a fifth of the import's
time, and the chunk that pays it holds the writer far longer than its neighbours.

Here the writer's own automatic checkpoint is only a backstop (`WRITER_AUTOCHECKPOINT`
pages); after writes, a worker thread runs a PASSIVE checkpoint on its own connection. A
passive checkpoint waits for no reader and no writer: it copies what it can and leaves the
rest for the next one.

SQLite starts the WAL file over only when a writer finds it wholly copied, which a steady
stream of chunks may never let happen. So when the file has grown past `JOURNAL_SIZE_LIMIT`,
the checkpointer copies the last few pages once more while holding the workspace's write
lock (between two chunks, a few milliseconds); the next write then starts the WAL over and
cuts the file back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

# The writer checkpoints by itself only if the background one falls this far behind.
WRITER_AUTOCHECKPOINT = 8000
# A WAL file that was reset is cut back to this size (bytes), so a burst does not leave a
# large file behind.
JOURNAL_SIZE_LIMIT = 8 * 1024 * 1024
DELAY_SECONDS = 0.25


class WalCheckpointer:
    """Runs a passive checkpoint soon after writes, at most one at a time."""

    def __init__(self, path: Path, write_lock: asyncio.Lock, delay: float = DELAY_SECONDS):
        self.path = path
        self.wal = Path(f"{path}-wal")
        self.write_lock = write_lock
        self.delay = delay
        self._conn: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.runs = 0

    def wrote(self) -> None:
        """Note a commit; a checkpoint follows shortly (one for a burst of commits)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            self._again = False
            await asyncio.sleep(self.delay)
            try:
                await asyncio.to_thread(self._checkpoint, "PASSIVE")
                if self._wal_bytes() > JOURNAL_SIZE_LIMIT:
                    async with self.write_lock:
                        await asyncio.to_thread(self._checkpoint, "PASSIVE")
            except sqlite3.Error as exc:
                # The writer's backstop still bounds the WAL; say so once per failure.
                log.warning("WAL checkpoint of %s failed: %s", self.path.name, exc)
            if not self._again:
                return

    def _wal_bytes(self) -> int:
        try:
            return self.wal.stat().st_size
        except OSError:
            return 0

    def _checkpoint(self, mode: str) -> tuple[int, int, int]:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=1.0, check_same_thread=False)
        busy, log_pages, done = self._conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        self.runs += 1
        return int(busy), int(log_pages), int(done)

    async def settle(self) -> None:
        """Wait until the checkpoints asked for so far have run."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop, fold in what is left (readers are gone by now) and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.path.exists():
            with contextlib.suppress(sqlite3.Error):
                await asyncio.to_thread(self._checkpoint, "TRUNCATE")
        if self._conn is not None:
            self._conn.close()
            self._conn = None
