"""The WAL is folded back off the writer's path and its file stays bounded under steady writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from daemon.store.checkpoint import JOURNAL_SIZE_LIMIT
from daemon.workspaces import WorkspaceManager


@pytest.mark.long
async def test_steady_writes_leave_a_bounded_wal_and_closing_empties_it(tmp_path: Path) -> None:
    manager = WorkspaceManager(tmp_path / "ws")
    ws = await manager.open("main")
    assert ws.checkpointer is not None
    # Each commit below waits for its checkpoint; the pause before one (a quarter second, to
    # gather a burst of commits) is not what this test is about, and 48 of them were 12 s.
    ws.checkpointer.delay = 0
    async with ws.transaction() as s:
        await s.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT)"))
    wal = Path(f"{ws.path}-wal")
    largest = 0
    # 48 MiB in 1 MiB commits, back to back: three times the WAL's size limit.
    for i in range(48):
        async with ws.transaction() as s:
            await s.execute(
                text("INSERT INTO scratch (body) VALUES (:b)"), {"b": f"{i:04d}" * 262_144}
            )
        largest = max(largest, wal.stat().st_size)
        await ws.checkpointer.settle()
    assert ws.checkpointer.runs > 0
    # The backstop (the writer's own checkpoint at 8,000 pages) would allow ~32 MiB.
    assert largest < 2 * JOURNAL_SIZE_LIMIT, largest
    async with ws.session() as s:
        assert await s.scalar(text("SELECT count(*) FROM scratch")) == 48
    await manager.close()
    assert not wal.exists() or wal.stat().st_size == 0
