"""Job rows: what long work is running or ran, how far it got and how it ended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import paging
from daemon.store.models import Job

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
CANCELLED, INTERRUPTED = "cancelled", "interrupted"
FINAL = frozenset({SUCCEEDED, FAILED, CANCELLED, INTERRUPTED})
INTERRUPTED_WHY = "the daemon stopped before it finished; run it again to finish the work"


def info(job: Job, workspace: str) -> dict[str, Any]:
    """A job as the wire and the `job.updated` event show it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "workspace": workspace,
        "status": job.status,
        "phase": job.phase,
        "done": job.done,
        "total": job.total,
        "error": job.error,
    }


async def recent(
    session: AsyncSession, limit: int, status: Sequence[str] = ()
) -> tuple[Sequence[Job], int]:
    """The newest `limit` jobs (with these statuses), and how many there are in all."""
    query = select(Job)
    if status:
        query = query.where(Job.status.in_(list(status)))
    newest = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    return (await session.scalars(newest)).all(), await paging.count(session, query)


async def get(session: AsyncSession, job_id: str) -> Job | None:
    return await session.get(Job, job_id)


async def mark_interrupted(session: AsyncSession, now: datetime) -> int:
    """Jobs a previous daemon left running: it died, so they are interrupted, not running."""
    result = await session.execute(
        update(Job)
        .where(Job.status == RUNNING)
        .values(status=INTERRUPTED, error=INTERRUPTED_WHY, finished_at=now, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
