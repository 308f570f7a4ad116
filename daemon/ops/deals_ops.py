"""deals.* and tasks.*: the pipeline and the CRM's to-dos, as imported."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import settings
from daemon.domain.paging import PAGE_MAX
from daemon.domain.records import pipeline_records
from daemon.ops import lookups, pages
from daemon.ops.contacts_ops import Ref
from daemon.ops.pages import PageInfo, PageParams
from daemon.ops.record_views import (
    Clock,
    ContactOut,
    DealOut,
    LinkedOut,
    TaskOut,
    clock,
    companies_of,
    contact_out,
    deal_out,
    linked_fields,
    task_out,
)
from daemon.registry import EVERYWHERE, operation


class DealsParams(PageParams):
    query: str | None = Field(
        None, max_length=200, description="Words to find in the deal's or company's name."
    )
    stage: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Only deals in these stages (case and accents aside).",
    )
    min_amount: float | None = Field(None, ge=0, description="Only deals worth at least this.")
    closing_before: str | None = Field(
        None, max_length=100, description="Only deals closing before this day, e.g. 'fri'."
    )
    open: bool = Field(False, description="Leave out closed won and closed lost deals.")
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many deals.")


class DealsResult(PageInfo, Clock):
    deals: list[DealOut]
    amount: float = Field(
        description="The matching deals' amounts summed over all pages (none counts 0)."
    )


@operation(
    "deals.list",
    params=DealsParams,
    result=DealsResult,
    effect="read",
    description="Deals, soonest close date first, filtered by stage, amount or close date.",
    expose=EVERYWHERE,
)
async def list_deals(ctx: OpContext, p: DealsParams) -> DealsResult:
    s = ctx.session
    tz = await settings.timezone(s)
    before = await lookups.when(ctx, p.closing_before, "closing_before")
    query = pipeline_records.deals(
        s,
        text=p.query,
        stages=p.stage,
        min_amount=p.min_amount,
        closing_before=before.astimezone(tz).date() if before else None,
        open_only=p.open,
    )
    page = await pages.keyset(s, "deals.list", query, pipeline_records.DEAL_ORDER, p)
    companies = await companies_of(s, {d.company_id for d in page.rows})
    return DealsResult(
        deals=[deal_out(d, companies) for d in page.rows],
        **await clock(ctx),
        total=page.total,
        next_cursor=page.next_cursor,
        amount=await pipeline_records.amount_of(s, query),
    )


class DealShow(LinkedOut, Clock):
    deal: DealOut
    contacts: list[ContactOut]
    tasks: list[TaskOut] = Field(description="Open CRM tasks on the deal.")
    notes: list[str] = Field(description="The latest CRM notes on the deal, newest first.")


@operation(
    "deals.show",
    params=Ref,
    result=DealShow,
    effect="read",
    description="One deal with its company, contacts, open tasks, notes, moves and signals.",
    expose=EVERYWHERE,
)
async def show_deal(ctx: OpContext, p: Ref) -> DealShow:
    s = ctx.session
    with lookups.record():
        deal = await pipeline_records.find_deal(s, p.ref)
    context = await pipeline_records.deal_context(s, deal)
    companies = {context.company.id: context.company} if context.company else {}
    companies |= await companies_of(s, {c.company_id for c in context.contacts})
    linked = await linked_fields(s, "deal_id", deal.id)
    return DealShow(
        deal=deal_out(deal, companies),
        contacts=[contact_out(c, companies) for c in context.contacts],
        tasks=[task_out(t) for t in context.tasks],
        notes=[n.body for n in context.notes],
        **await clock(ctx),
        **linked,
    )


class TasksParams(PageParams):
    query: str | None = Field(None, max_length=200, description="Words to find in the task.")
    status: Literal["open", "done", "all"] = Field(
        "open", description="open (default), done or all."
    )
    due_before: str | None = Field(
        None, max_length=100, description="Only tasks due before this, e.g. 'tomorrow'."
    )
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many tasks.")


class TasksResult(PageInfo, Clock):
    tasks: list[TaskOut]


@operation(
    "tasks.list",
    params=TasksParams,
    result=TasksResult,
    effect="read",
    description="CRM tasks, soonest due first: open ones unless asked otherwise.",
    expose=EVERYWHERE,
)
async def list_tasks(ctx: OpContext, p: TasksParams) -> TasksResult:
    s = ctx.session
    done = {"open": False, "done": True, "all": None}[p.status]
    before = await lookups.when(ctx, p.due_before, "due_before")
    query = pipeline_records.tasks(s, text=p.query, done=done, due_before=before)
    page = await pages.keyset(s, "tasks.list", query, pipeline_records.TASK_ORDER, p)
    return TasksResult(
        tasks=[task_out(t) for t in page.rows],
        **await clock(ctx),
        total=page.total,
        next_cursor=page.next_cursor,
    )
