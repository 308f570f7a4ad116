"""Writing a connector's stream into a workspace: chunk by chunk, cursor with the data.

Each batch a connector yields is written in one short transaction together with the
stream's new cursor in `sync_state`, so a crash resumes after the last batch that landed
and never writes a batch twice. The chunk size adapts so each write holds the writer for
about `TARGET_SECONDS`, letting reads and other writes interleave with a long import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import Connector, OperatorIdentity, SyncBatch
from daemon.domain.ingest import Ingest, write_chunk
from daemon.domain.pacing import next_chunk_size
from daemon.store.models import SyncState
from daemon.unit_of_work import unit_of_work

if TYPE_CHECKING:
    from daemon.jobs import JobRun

log = logging.getLogger(__name__)

MIN_CHUNK, MAX_CHUNK = 20, 5000
MAX_WARNINGS = 200
MAX_REMARKS = 50
FIRST_STATISTICS, STATISTICS_GROWTH = 2000, 8


@dataclass
class StreamReport:
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    # What was kept of the source, where not everything (see SyncBatch.remarks).
    remarks: list[str] = field(default_factory=list)
    # Records written when the planner's statistics are next refreshed.
    next_statistics: int = FIRST_STATISTICS


async def _state_row(
    session: AsyncSession, connector: str, stream: str, now: datetime
) -> SyncState:
    """The stream's sync state, created on its first sync."""
    row = await session.scalar(
        select(SyncState).where(SyncState.connector == connector, SyncState.stream == stream)
    )
    if row is None:
        row = SyncState(connector=connector, stream=stream, records=0, updated_at=now)
        session.add(row)
    return row


async def _batches(
    source: AsyncIterator[SyncBatch], read_ahead: bool
) -> AsyncGenerator[SyncBatch, None]:
    """The connector's batches; with `read_ahead`, the next one is fetched while the caller
    writes this one (see `Connector.read_ahead`). The source is closed however this ends."""
    pending: asyncio.Future[SyncBatch | None] | None = None
    try:
        if not read_ahead:
            async for batch in source:
                yield batch
            return
        pending = asyncio.ensure_future(anext(source, None))
        while (fetched := await pending) is not None:
            pending = asyncio.ensure_future(anext(source, None))
            yield fetched
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
        if isinstance(source, AsyncGenerator):
            await source.aclose()


async def _write_batch(
    run: JobRun,
    job: Ingest,
    connector: Connector,
    stream: str,
    batch: SyncBatch,
    report: StreamReport,
) -> None:
    """One batch and the stream's new cursor in one transaction; the next size adapts."""
    clock = run.state.clock
    report.warning_count += len(batch.warnings)
    room = MAX_WARNINGS - len(report.warnings)
    report.warnings += batch.warnings[: max(0, room)]
    report.remarks += batch.remarks[: max(0, MAX_REMARKS - len(report.remarks))]
    size = batch.size()
    run.progress(done=batch.done, total=batch.total)
    started = time.perf_counter()
    async with run.chunk() as uow:
        new = await write_chunk(job, uow.session, batch)
        row = await _state_row(uow.session, connector.name, stream, clock.now())
        row.cursor = batch.cursor
        row.records += sum(new.counts.values())
        row.updated_at = clock.now()
    report.counts.update(new.counts)
    spent = time.perf_counter() - started
    written = sum(report.counts.values())
    if written >= report.next_statistics:
        # Into an empty workspace the planner starts without statistics and may walk a
        # whole index that has since grown; tell it the sizes as they grow (8x apart).
        report.next_statistics = written * STATISTICS_GROWTH
        await run.workspace.refresh_statistics()
    log.debug("%s %s: %d items in %.1f ms", connector.name, stream, size, spent * 1000)
    connector.chunk_size = next_chunk_size(
        connector.chunk_size, size, spent, low=MIN_CHUNK, high=MAX_CHUNK
    )


async def write_stream(
    run: JobRun,
    connector: Connector,
    stream: str,
    operator: OperatorIdentity,
    *,
    keep_cursor: bool = True,
) -> StreamReport:
    """Write every batch of `stream`, resuming from its stored cursor.

    With `keep_cursor` False the cursor is cleared once the stream is done (a file that is
    imported again is read again from the start; only an interrupted import resumes).
    """
    clock = run.state.clock
    report = StreamReport()
    job = Ingest(operator, clock.now(), connector.name)
    async with run.chunk() as uow:
        row = await _state_row(uow.session, connector.name, stream, clock.now())
        row.last_attempt_at = clock.now()
        cursor = row.cursor
    try:
        source = _batches(connector.sync(stream, cursor), connector.read_ahead)
        async with contextlib.aclosing(source) as batches:
            async for batch in batches:
                await _write_batch(run, job, connector, stream, batch, report)
    except Exception as exc:
        if run.cancel_requested.is_set():
            raise
        async with unit_of_work(run.workspace, run.state.bus) as failed:
            row = await _state_row(failed.session, connector.name, stream, clock.now())
            row.last_error_at = clock.now()
            row.last_error = str(exc)[:500] or type(exc).__name__
        raise
    async with run.chunk() as uow:
        row = await _state_row(uow.session, connector.name, stream, clock.now())
        row.last_success_at = clock.now()
        row.last_error = None
        if not keep_cursor:
            row.cursor = None
    return report
