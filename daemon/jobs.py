"""Long work as jobs: started by an operation, worked in short chunks, cancellable.

An operation that starts long work returns a job id at once. The job runs as an asyncio
task; each chunk of its work is one unit of work (one short write transaction) that also
stores the job's progress, so a crash leaves the job's row exactly as far as its data got.
Progress reaches clients as `job.updated` events. Cancelling takes effect between chunks;
a daemon that stops marks its jobs interrupted, and running the same work again finishes it
(every write is an idempotent upsert, and connectors resume from their stored cursor).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from daemon.domain import jobs as job_rows
from daemon.errors import OperationError
from daemon.store import diskspace
from daemon.store.models import Job
from daemon.unit_of_work import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from daemon.state import DaemonState
    from daemon.workspaces import Workspace

log = logging.getLogger(__name__)

# Progress events at most this often per job (the final one always goes out).
EVENT_INTERVAL = 0.2


class JobCancelled(Exception):
    """Raised at a chunk boundary once someone asked the job to stop."""


@dataclass
class JobRun:
    """What a job's work function holds: its identity, its progress and its chunks."""

    id: str
    kind: str
    title: str
    workspace: Workspace
    state: DaemonState
    phase: str | None = None
    done: int = 0
    total: int | None = None
    cancel_requested: asyncio.Event = field(default_factory=asyncio.Event)
    # Wall time spent in each phase, for `jobs show` and the benchmarks.
    seconds: dict[str, float] = field(default_factory=dict)
    # The longest any one chunk held the writer (lock taken to commit done), in seconds.
    longest_hold: float = 0.0
    chunks: int = 0
    _last_event: float = 0.0
    _phase_started: float = field(default_factory=time.monotonic)

    def progress(
        self, *, done: int | None = None, total: int | None = None, phase: str | None = None
    ) -> None:
        if phase is not None and phase != self.phase:
            self._close_phase()
            self.phase = phase
            self._last_event = 0.0  # a new phase is always worth telling
        if total is not None and total != self.total:
            self.total = total
            self._last_event = 0.0  # the size of the work is news for a progress bar
        if done is not None:
            self.done = done
            if self.total is not None and done >= self.total:
                self._last_event = 0.0  # so is the end of a phase

    def _close_phase(self) -> None:
        now = time.monotonic()
        if self.phase is not None:
            spent = now - self._phase_started
            self.seconds[self.phase] = round(self.seconds.get(self.phase, 0.0) + spent, 3)
        self._phase_started = now

    def check(self) -> None:
        if self.cancel_requested.is_set():
            raise JobCancelled

    def info(self, status: str = job_rows.RUNNING, error: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "workspace": self.workspace.name,
            "status": status,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "error": error,
        }

    @asynccontextmanager
    async def chunk(self) -> AsyncIterator[UnitOfWork]:
        """One chunk of work: a unit of work that also records the job's progress."""
        self.check()
        async with unit_of_work(self.workspace, self.state.bus) as uow:
            held = time.perf_counter()
            yield uow
            await uow.session.execute(
                update(Job)
                .where(Job.id == self.id)
                .values(
                    phase=self.phase,
                    done=self.done,
                    total=self.total,
                    updated_at=self.state.clock.now(),
                )
            )
            now = time.monotonic()
            if now - self._last_event >= EVENT_INTERVAL:
                self._last_event = now
                uow.emit("job.updated", self.info())
        self.longest_hold = max(self.longest_hold, time.perf_counter() - held)
        self.chunks += 1
        # Let readers in between chunks even when the next chunk is ready at once.
        await asyncio.sleep(0)


Work = Callable[[JobRun], Awaitable[dict[str, Any]]]


@dataclass
class _Live:
    run: JobRun
    task: asyncio.Task[None]
    # A job that builds its workspace (the demo): operations on it wait until it is done.
    builds: bool = False


class JobManager:
    def __init__(self, state: DaemonState):
        self.state = state
        self._live: dict[str, _Live] = {}
        self.stopping = False

    def info(self, job_id: str) -> dict[str, Any] | None:
        """A running job as `job.updated` shows it; None once it has ended."""
        entry = self._live.get(job_id)
        return entry.run.info() if entry else None

    def running(self) -> list[dict[str, Any]]:
        """Every job running now, as `job.updated` shows a job."""
        return [entry.run.info() for entry in self._live.values()]

    async def start(
        self,
        kind: str,
        title: str,
        ws: Workspace,
        params: dict[str, Any],
        work: Work,
        *,
        builds: bool = False,
    ) -> dict[str, Any]:
        """Record the job and start it; returns its info at once."""
        now = self.state.clock.now()
        run = JobRun(uuid.uuid4().hex[:8], kind, title, ws, self.state, phase="starting")
        async with unit_of_work(ws, self.state.bus) as uow:
            uow.session.add(
                Job(
                    id=run.id,
                    kind=kind,
                    title=title,
                    params=params,
                    status=job_rows.RUNNING,
                    phase=run.phase,
                    done=0,
                    created_at=now,
                    started_at=now,
                    updated_at=now,
                )
            )
            uow.emit("job.updated", run.info())
        task = asyncio.create_task(self._run(run, work), name=f"job-{run.id}")
        self._live[run.id] = _Live(run, task, builds)
        log.info("job %s started: %s (%s)", run.id, title, ws.name)
        return run.info()

    async def _run(self, run: JobRun, work: Work) -> None:
        status, error, result = job_rows.SUCCEEDED, None, None
        try:
            result = await work(run)
        except JobCancelled:
            status, error = job_rows.CANCELLED, "cancelled on request"
            if self.stopping:
                status, error = job_rows.INTERRUPTED, job_rows.INTERRUPTED_WHY
        except asyncio.CancelledError:
            status, error = job_rows.INTERRUPTED, job_rows.INTERRUPTED_WHY
        except OperationError as exc:
            status, error = job_rows.FAILED, exc.message
        except Exception as exc:
            status = job_rows.FAILED
            if diskspace.is_disk_full(exc):
                # Give the reserve back, so the job's end and the log line can be written.
                reserve = self.state.reserve
                error = diskspace.disk_full(reserve, run.workspace.path, f"job {run.id}").message
            else:
                ref = uuid.uuid4().hex[:10]
                log.exception("job %s (%s) failed (ref %s)", run.id, run.title, ref)
                error = f"internal error (ref {ref}); details are in `caseyos daemon logs`"
        finally:
            self._live.pop(run.id, None)
            run._close_phase()
            if result is not None:
                result = {
                    **result,
                    "seconds": run.seconds,
                    "chunks": run.chunks,
                    "longest_chunk_s": round(run.longest_hold, 3),
                }
            await self._finish(run, status, error, result)
        log.info("job %s %s%s", run.id, status, f": {error}" if error else "")

    async def _finish(
        self, run: JobRun, status: str, error: str | None, result: dict[str, Any] | None
    ) -> None:
        now = self.state.clock.now()
        try:
            async with unit_of_work(run.workspace, self.state.bus) as uow:
                await uow.session.execute(
                    update(Job)
                    .where(Job.id == run.id)
                    .values(
                        status=status,
                        error=error,
                        result=result,
                        phase=run.phase,
                        done=run.done,
                        total=run.total,
                        finished_at=now,
                        updated_at=now,
                    )
                )
                uow.emit("job.updated", run.info(status, error))
        except Exception:
            # The row stays "running"; the next start-up marks it interrupted.
            log.exception("could not record the end of job %s", run.id)

    def cancel(self, job_id: str) -> bool:
        entry = self._live.get(job_id)
        if entry is None:
            return False
        entry.run.cancel_requested.set()
        return True

    async def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Wait for a job to end, at most `timeout` seconds."""
        entry = self._live.get(job_id)
        if entry is not None:
            await asyncio.wait({entry.task}, timeout=timeout)

    def _builder(self, ws: Workspace) -> _Live | None:
        return next((e for e in self._live.values() if e.builds and e.run.workspace is ws), None)

    def building(self, ws: Workspace) -> JobRun | None:
        """The job building this workspace right now, if any."""
        entry = self._builder(ws)
        return entry.run if entry else None

    async def until_built(self, ws: Workspace, timeout: float = 120.0) -> None:
        """Let a read or write of a workspace wait while the workspace is being built."""
        entry = self._builder(ws)
        if entry is not None:
            await asyncio.wait({entry.task}, timeout=timeout)

    async def shutdown(self, grace: float = 5.0) -> None:
        """Stop every job: ask at the next chunk boundary, then cancel what is left."""
        self.stopping = True
        entries = list(self._live.values())
        for entry in entries:
            entry.run.cancel_requested.set()
        if not entries:
            return
        _, pending = await asyncio.wait([e.task for e in entries], timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
