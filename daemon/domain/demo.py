"""The bundled demo workspace: built relative to today, loaded through the files connector.

The demo lives in its own database (`demo` workspace), so it never mixes with the
operator's data; it is rebuilt when the local date changes, so it never goes stale. A build
runs as a job; operations on the demo wait for it, so nobody sees a half-built demo.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from connectors.demo import build_demo
from connectors.files.connector import FileConnector
from daemon.domain import agent_pass, settings
from daemon.domain.sync import write_stream
from daemon.store.engine import refresh_statistics
from daemon.workspaces import DEMO

if TYPE_CHECKING:
    from daemon.jobs import JobRun
    from daemon.state import DaemonState

ANCHOR = "demo.anchor_date"


async def anchor(state: DaemonState) -> str | None:
    ws = await state.workspaces.open(DEMO)
    async with ws.session() as session:
        value = await settings.get(session, ANCHOR)
    return str(value) if value else None


async def _build(run: JobRun) -> dict[str, Any]:
    now = run.state.clock.now()
    run.progress(phase="writing files")
    with tempfile.TemporaryDirectory(prefix="caseyos-demo-") as tmp:
        demo = await asyncio.to_thread(build_demo, Path(tmp), now)
        async with run.chunk() as uow:
            await settings.put_operator(uow.session, demo.operator)
            for key, value in demo.settings.items():
                await settings.put(uow.session, key, value)
        files = []
        for path in demo.files:
            run.progress(phase=f"importing {path.name}")
            connector = await FileConnector.open(path, demo.operator, now)
            report = await write_stream(
                run, connector, connector.stream, demo.operator, keep_cursor=False
            )
            files.append({"kind": connector.kind, "counts": dict(report.counts)})
    queue = await agent_pass.run_all(run)
    local_day = now.astimezone(ZoneInfo(demo.operator.timezone)).date().isoformat()
    async with run.chunk() as uow:
        await settings.put(uow.session, ANCHOR, local_day)
    async with run.workspace.write_lock:
        await refresh_statistics(run.workspace.write_engine)
    return {"workspace": DEMO, "anchor_date": local_day, "files": files, "queue": queue}


async def start_build(state: DaemonState, *, reset: bool) -> dict[str, Any]:
    """Start (or join) the job that builds the demo; `reset` deletes the old one first."""
    manager = state.workspaces
    ws = await manager.open(DEMO)
    running = state.jobs.building(ws)
    if running is not None:
        return running.info()
    if reset:
        await manager.delete(DEMO)
        ws = await manager.open(DEMO)
    return await state.jobs.start(
        "demo", "build the demo workspace", ws, {"reset": reset}, _build, builds=True
    )


async def load(state: DaemonState, *, reset: bool = False) -> dict[str, Any] | None:
    """Make the demo active; returns the build job when it has to be built first."""
    job = None
    current = await anchor(state)
    if reset or current is None or current != await _today(state):
        job = await start_build(state, reset=reset or current is not None)
    await state.workspaces.use(DEMO)
    return job


async def _today(state: DaemonState) -> str:
    ws = await state.workspaces.open(DEMO)
    async with ws.session() as session:
        tz = await settings.timezone(session)
    return state.clock.now().astimezone(tz).date().isoformat()


async def ensure_fresh(state: DaemonState) -> dict[str, Any] | None:
    """Build the demo if missing, rebuild it when its dates were computed for another day.

    Runs on every tick while the demo is active, so a fresh demo costs one read and
    publishes nothing.
    """
    ws = await state.workspaces.open(DEMO)
    if state.jobs.building(ws) is not None:
        return None
    current = await anchor(state)
    if current is None or current != await _today(state):
        return await start_build(state, reset=current is not None)
    return None
