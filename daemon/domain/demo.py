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
from daemon.domain import agent_pass, importer, settings
from daemon.workspaces import DEMO

if TYPE_CHECKING:
    from daemon.jobs import JobRun
    from daemon.state import DaemonState

ANCHOR = "demo.anchor_date"


async def _needs(state: DaemonState) -> str | None:
    """Why the demo must be built: "missing", "stale" (dated for another day), or None.

    One read, so a fresh demo costs the per-minute tick next to nothing.
    """
    ws = await state.workspaces.open(DEMO)
    async with ws.session() as session:
        built_for = await settings.get(session, ANCHOR)
        tz = await settings.timezone(session)
    if not built_for:
        return "missing"
    today = state.clock.now().astimezone(tz).date().isoformat()
    return None if str(built_for) == today else "stale"


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
            connector, report = await importer.write_file(
                run, path, demo.operator, phase=f"importing {path.name}"
            )
            files.append({"kind": connector.kind, "counts": dict(report.counts)})
    # Unpaced: two builds at the same instant give the same moves with the same ids.
    queue = await agent_pass.run_all(run, paced=False)
    local_day = now.astimezone(ZoneInfo(demo.operator.timezone)).date().isoformat()
    async with run.chunk() as uow:
        await settings.put(uow.session, ANCHOR, local_day)
    await run.workspace.refresh_statistics()
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
    need = await _needs(state)
    if reset or need:
        job = await start_build(state, reset=reset or need == "stale")
    await state.workspaces.use(DEMO)
    return job


async def ensure_fresh(state: DaemonState) -> dict[str, Any] | None:
    """Build the demo if missing, rebuild it when its dates were computed for another day.

    Runs on every tick while the demo is active, so a fresh demo costs one read and
    publishes nothing.
    """
    ws = await state.workspaces.open(DEMO)
    if state.jobs.building(ws) is not None:
        return None
    need = await _needs(state)
    return await start_build(state, reset=need == "stale") if need else None
