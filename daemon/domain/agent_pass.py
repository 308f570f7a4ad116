"""A full agent pass in chunks: time-based signals, then the waiting signals a chunk at a time.

Each chunk is its own unit of work (one short write transaction), so reads and other writes
get in between, and a crash mid-pass leaves every signal either processed or waiting for
the next pass.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from daemon.domain import pipeline
from daemon.unit_of_work import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from daemon.jobs import JobRun
    from daemon.state import DaemonState
    from daemon.workspaces import Workspace

SIGNALS_PER_CHUNK = 200


def _changed(report: dict[str, Any]) -> bool:
    """Whether a step changed what a client shows (a rescore alone is not worth an event)."""
    return any(v for k, v in counts(report).items() if k != "rescored")


def _announce(uow: UnitOfWork, workspace: str, report: dict[str, Any]) -> None:
    if _changed(report):
        uow.emit("queue.changed", {"workspace": workspace, **counts(report)})


def counts(report: dict[str, Any]) -> dict[str, int]:
    """The figures of a pass that `queue.changed` carries."""
    keys = (
        "failed_agents",
        "detected",
        "signals",
        "proposed",
        "updated",
        "resolved",
        "woken",
        "expired",
        "rescored",
    )
    return {k: int(report.get(k, 0)) for k in keys}


Chunk = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


async def _pass(
    chunk: Chunk,
    now: datetime,
    workspace: str,
    progress: Callable[[int, int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> dict[str, int]:
    total: Counter[str] = Counter()
    async with chunk() as uow:
        report = await pipeline.housekeeping(uow.session, now)
        _announce(uow, workspace, report)
    total.update(counts(report))
    due = int(report.get("rescore_due", 0))
    done = 0
    while stop is None or not stop.is_set():
        async with chunk() as uow:
            report = await pipeline.process(uow.session, now, SIGNALS_PER_CHUNK)
            _announce(uow, workspace, report)
        total.update(counts(report))
        done += int(report.get("signals", 0))
        remaining = int(report.get("remaining", 0))
        if progress is not None:
            progress(done, done + remaining)
        # A failing agent leaves its chunk waiting for the next pass: never spin on it.
        if remaining == 0 or not report.get("signals") or report.get("failed_agents"):
            break
        await asyncio.sleep(0)
    # Moves whose score came due beyond what one housekeeping step rescores.
    while due and (stop is None or not stop.is_set()):
        async with chunk() as uow:
            step = await pipeline.rescore(uow.session, now)
        total["rescored"] += int(step["rescored"])
        if int(step["rescore_due"]) >= due:
            break  # nothing more is due now
        due = int(step["rescore_due"])
        await asyncio.sleep(0)
    return counts(total)


async def run_all(run: JobRun) -> dict[str, int]:
    """Housekeeping, then every waiting signal, in chunks; progress counts signals."""
    run.progress(phase="agents", done=0)

    def progress(done: int, total: int) -> None:
        run.progress(done=done, total=total)

    return await _pass(run.chunk, run.state.clock.now(), run.workspace.name, progress)


async def tick(state: DaemonState, ws: Workspace) -> dict[str, int]:
    """The scheduler's pass: like a job's, without a job row (it runs every minute)."""
    return await _pass(
        lambda: unit_of_work(ws, state.bus), state.clock.now(), ws.name, stop=state.stop_requested
    )


async def housekeeping(state: DaemonState, ws: Workspace) -> dict[str, int]:
    """Only the time-based part of a pass: detectors, wake-ups, expiry, rescoring."""
    async with unit_of_work(ws, state.bus) as uow:
        report = await pipeline.housekeeping(uow.session, state.clock.now())
        _announce(uow, ws.name, report)
    return counts(report)
