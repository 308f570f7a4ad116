"""A full agent pass in chunks: time-based signals, then the waiting signals a chunk at a time.

Each step of the pass (`pipeline.drive`) is its own unit of work, one short write
transaction, so reads and other writes get in between, and a crash mid-pass leaves every
signal either processed or waiting for the next pass. A pass that changed the queue says so
once, with `queue.changed`, after its last commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import agent_runs, pipeline
from daemon.unit_of_work import UnitOfWork, publish, unit_of_work

if TYPE_CHECKING:
    from daemon.jobs import JobRun
    from daemon.state import DaemonState
    from daemon.workspaces import Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")
Chunk = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
COUNTS = (
    "failed_agents",
    "detected",
    "signals",
    "proposed",
    "updated",
    "resolved",
    "woken",
    "expired",
    "rescored",
    "outcomes",
)


class Stopped(Exception):
    """The daemon is stopping: the pass ends between two steps."""


def counts(report: dict[str, Any]) -> dict[str, int]:
    """The figures of a pass that `queue.changed` carries."""
    return {k: int(report.get(k, 0)) for k in COUNTS}


def changed(report: dict[str, Any]) -> bool:
    """Whether a pass changed what a client shows (a rescore alone is not worth an event)."""
    return any(v for k, v in counts(report).items() if k != "rescored")


async def _pass(
    state: DaemonState,
    ws: Workspace,
    chunk: Chunk,
    progress: Callable[[int, int], None] | None = None,
    *,
    stop_with_daemon: bool = False,
    trigger: str = agent_runs.PASS,
    paced: bool = True,
) -> dict[str, int]:
    async def step(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        # A job stops through its own chunks (cancel, shutdown); a scheduled pass here.
        if stop_with_daemon and state.stop_requested.is_set():
            raise Stopped
        started = time.perf_counter()
        async with chunk() as uow:
            result = await work(uow.session)
        log.debug(
            "%s pass step %s: %.1f ms",
            ws.name,
            getattr(work, "func", work).__name__,
            (time.perf_counter() - started) * 1000,
        )
        await asyncio.sleep(0)  # clients between steps, however fast the next one is ready
        return result

    async def read(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with ws.session() as session:
            return await work(session)

    report = counts(await pipeline.drive(step, state.clock.now(), progress, read, trigger, paced))
    if changed(report):
        publish(state.bus, [("queue.changed", {"workspace": ws.name, **report})])
    return report


async def run_all(
    run: JobRun, trigger: str = agent_runs.PASS, paced: bool = True
) -> dict[str, int]:
    """A pass as a job's phase; its progress counts signals (`paced`: see pipeline.drive)."""
    run.progress(phase="agents", done=0)

    def progress(done: int, total: int) -> None:
        run.progress(done=done, total=total)

    return await _pass(run.state, run.workspace, run.chunk, progress, trigger=trigger, paced=paced)


async def tick(state: DaemonState, ws: Workspace) -> dict[str, int]:
    """The scheduler's pass: like a job's, without a job row (it runs every minute)."""
    return await _pass(state, ws, lambda: unit_of_work(ws, state.bus), stop_with_daemon=True)


async def housekeeping(state: DaemonState, ws: Workspace) -> dict[str, int]:
    """Only the time-based part of a pass: detectors, wake-ups, expiry, rescoring."""
    async with unit_of_work(ws, state.bus) as uow:
        report = counts(await pipeline.housekeeping(uow.session, state.clock.now()))
        if changed(report):
            uow.emit("queue.changed", {"workspace": ws.name, **report})
    return report
