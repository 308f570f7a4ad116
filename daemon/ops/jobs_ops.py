"""jobs.*: long work (imports, the demo build, agent passes, syncs) and how it is going."""

from __future__ import annotations

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import jobs, paging
from daemon.domain.paging import PAGE_MAX
from daemon.errors import Conflict, NotFound
from daemon.ops import pages
from daemon.ops.pages import PageInfo, PageParams
from daemon.ops.views import JobOut
from daemon.registry import CLI_ONLY, EVERYWHERE, Params, operation
from daemon.store.models import Job
from daemon.vocabulary import JobStatus
from daemon.wire import WireModel


def _out(job: Job, workspace: str) -> JobOut:
    return JobOut(
        **jobs.info(job, workspace),
        created_at=job.created_at,
        finished_at=job.finished_at,
        result=job.result,
    )


class JobsParams(PageParams):
    status: list[JobStatus] = Field(
        default_factory=list, description="Only jobs with these statuses."
    )
    limit: int = Field(20, ge=1, le=PAGE_MAX, description="At most this many jobs, newest first.")


class JobsResult(PageInfo):
    jobs: list[JobOut]


@operation(
    "jobs.list",
    params=JobsParams,
    result=JobsResult,
    effect="read",
    needs_session=False,
    description="Recent jobs in every open workspace, newest first.",
    expose=EVERYWHERE,
)
async def list_jobs(ctx: OpContext, p: JobsParams) -> JobsResult:
    # Merged from every workspace's table, so paged by place in the merged order.
    start, scope_id = pages.offset("jobs.list", p)
    found: list[JobOut] = []
    total = 0
    for ws in await ctx.state.workspaces.every():
        async with ws.session() as s:
            recent, count = await jobs.recent(s, start + p.limit, p.status)
            found += [_out(j, ws.name) for j in recent]
            total += count
    found.sort(key=lambda j: (j.created_at is not None, j.created_at, j.id), reverse=True)
    shown = found[start : start + p.limit]
    return JobsResult(
        jobs=shown, total=total, next_cursor=paging.next_offset(start, len(shown), total, scope_id)
    )


class JobId(Params):
    id: str = Field(min_length=1, max_length=32, description="The job's id.")


class JobResult(WireModel):
    job: JobOut


async def _find(ctx: OpContext, job_id: str) -> JobOut:
    for ws in await ctx.state.workspaces.every():
        async with ws.session() as s:
            job = await jobs.get(s, job_id)
            if job is not None:
                return _out(job, ws.name)
    raise NotFound(f"no job {job_id!r}; see `caseyos jobs list`", field="id")


@operation(
    "jobs.show",
    params=JobId,
    result=JobResult,
    effect="read",
    needs_session=False,
    description="One job: status, progress, and its result or error once it ended.",
    expose=EVERYWHERE,
)
async def show(ctx: OpContext, p: JobId) -> JobResult:
    return JobResult(job=await _find(ctx, p.id))


class WaitParams(Params):
    id: str = Field(min_length=1, max_length=32, description="The job's id.")
    timeout: float = Field(
        20, ge=0, le=60, description="Answer after this many seconds even if it still runs."
    )


@operation(
    "jobs.wait",
    params=WaitParams,
    result=JobResult,
    effect="read",
    needs_session=False,
    description="Wait (bounded) for a job to end; returns it, running or ended.",
    expose=EVERYWHERE,
)
async def wait(ctx: OpContext, p: WaitParams) -> JobResult:
    await _find(ctx, p.id)
    await ctx.state.jobs.wait(p.id, p.timeout)
    return JobResult(job=await _find(ctx, p.id))


@operation(
    "jobs.cancel",
    params=JobId,
    result=JobResult,
    effect="local",
    needs_session=False,
    description="Stop a running job after its current chunk; what it wrote so far stays.",
    # Jobs are started from the command line only; stopping one is the operator's call too.
    expose=CLI_ONLY,
    destructive=False,
)
async def cancel(ctx: OpContext, p: JobId) -> JobResult:
    job = await _find(ctx, p.id)
    if not ctx.state.jobs.cancel(p.id):
        raise Conflict(f"job {p.id} is {job.status}; only a running job can be cancelled")
    await ctx.state.jobs.wait(p.id, 10)
    return JobResult(job=await _find(ctx, p.id))
