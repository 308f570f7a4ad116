"""Detectors over CRM records: deals that stalled or passed their close date
(`deal.stalled`, `deal.close_date_passed`), deals in the proposal stage, renewals coming up
(`deal.renewal_due`), and open tasks due today or overdue (`task.due`, `task.overdue`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import words
from daemon.domain import knobs
from daemon.domain.detectors.signals import signal_row, unseen
from daemon.domain.facts import CLOSED_STAGES
from daemon.domain.ingest import TASK_CLOSED
from daemon.domain.queue import chunks
from daemon.store.models import CrmTask, Deal, Signal
from daemon.timeparse import end_of_day


async def deals(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    stalled_days = int(await knobs.agent_value(session, "deal_health", "stalled_days"))
    stalled = timedelta(days=stalled_days)
    today = now.astimezone(tz).date()
    entered_col = func.coalesce(Deal.stage_entered_at, Deal.created_at)
    deal_id = cast(Deal.id, String)
    stalled_key = literal("deal.stalled:") + deal_id + ":" + Deal.stage
    late_key = literal("deal.close_date_passed:") + deal_id + ":" + cast(Deal.close_date, String)
    rows = await session.execute(
        select(
            Deal.id,
            Deal.name,
            Deal.stage,
            Deal.amount,
            Deal.company_id,
            Deal.close_date,
            entered_col.label("entered"),
        )
        .where(
            func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)),
            # Only deals with a signal still to make; an idle pass finds none.
            or_(
                and_(
                    entered_col <= now - stalled, ~exists().where(Signal.dedup_key == stalled_key)
                ),
                and_(Deal.close_date < today, ~exists().where(Signal.dedup_key == late_key)),
            ),
        )
        .order_by(Deal.id)
    )
    found = []
    for deal in rows:
        if deal.stage.lower() in CLOSED_STAGES:
            continue
        # Stalled = no stage change for N days. Emails alone do not move a deal forward, so
        # activity does not reset the clock; the move's why-now shows the last activity.
        entered = deal.entered
        if now - entered >= stalled:
            found.append(
                signal_row(
                    now,
                    "deal.stalled",
                    f"deal.stalled:{deal.id}:{deal.stage}",
                    entered + stalled,
                    {
                        "deal": deal.name,
                        "stage": deal.stage,
                        "amount": deal.amount,
                        "stage_entered_at": entered.isoformat(),
                        "stalled_days": stalled_days,
                    },
                    deal_id=deal.id,
                    company_id=deal.company_id,
                )
            )
        if deal.close_date and deal.close_date < today:
            found.append(
                signal_row(
                    now,
                    "deal.close_date_passed",
                    f"deal.close_date_passed:{deal.id}:{deal.close_date.isoformat()}",
                    now,
                    {"deal": deal.name, "close_date": deal.close_date.isoformat()},
                    deal_id=deal.id,
                    company_id=deal.company_id,
                )
            )
    return found


async def proposal_stage(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """An open deal is in a stage the `proposal` agent counts as the proposal stage: one
    `deal.proposal_stage` per deal and stage (a set query over deals; a pass with nothing
    new finds nothing)."""
    tuned = await knobs.agent_values(session, "proposal")
    stages = words(tuned["stages"]) if tuned else []
    if not stages:
        return []
    key = literal("deal.proposal_stage:") + cast(Deal.id, String) + ":" + Deal.stage
    entered_col = func.coalesce(Deal.stage_entered_at, Deal.created_at)
    rows = await session.execute(
        select(Deal.id, Deal.name, Deal.stage, Deal.company_id, entered_col.label("entered"))
        .where(func.lower(Deal.stage).in_(stages), ~exists().where(Signal.dedup_key == key))
        .order_by(Deal.id)
    )
    return [
        signal_row(
            now,
            "deal.proposal_stage",
            f"deal.proposal_stage:{deal.id}:{deal.stage}",
            min(deal.entered, now),
            {"deal": deal.name, "stage": deal.stage, "stage_entered_at": deal.entered.isoformat()},
            deal_id=deal.id,
            company_id=deal.company_id,
        )
        for deal in rows
    ]


async def renewals(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """An open renewal deal (its pipeline or name holds one of the `renewal_watch` agent's
    `markers`) closes within its `window_days`: one `deal.renewal_due` per deal and close
    date. The CRM import brings no renewal date on companies; a renewal is a deal."""
    tuned = await knobs.agent_values(session, "renewal_watch")
    if tuned is None:
        return []
    window = int(tuned["window_days"])
    markers = words(tuned["markers"])
    if not markers:
        return []
    today = now.astimezone(tz).date()
    key = literal("deal.renewal_due:") + cast(Deal.id, String) + ":" + cast(Deal.close_date, String)
    named = [
        col.contains(m, autoescape=True)
        for m in markers
        for col in (func.lower(Deal.pipeline), func.lower(Deal.name))
    ]
    rows = await session.execute(
        select(Deal.id, Deal.name, Deal.stage, Deal.amount, Deal.company_id, Deal.close_date)
        .where(
            Deal.close_date >= today,
            Deal.close_date <= today + timedelta(days=window),
            func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)),
            or_(*named),
            ~exists().where(Signal.dedup_key == key),
        )
        .order_by(Deal.id)
    )
    return [
        signal_row(
            now,
            "deal.renewal_due",
            f"deal.renewal_due:{deal.id}:{deal.close_date.isoformat()}",
            now,
            {
                "deal": deal.name,
                "stage": deal.stage,
                "amount": deal.amount,
                "close_date": deal.close_date.isoformat(),
                "window_days": window,
            },
            deal_id=deal.id,
            company_id=deal.company_id,
        )
        for deal in rows
    ]


async def tasks(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Open CRM tasks due later today (`task.due`) or already past due (`task.overdue`)."""
    horizon = end_of_day(now, tz)
    due = await session.execute(
        select(CrmTask.id, CrmTask.due_at)
        .where(
            CrmTask.status.not_in(TASK_CLOSED),
            CrmTask.due_at.is_not(None),
            CrmTask.due_at < horizon,
        )
        .order_by(CrmTask.id)
    )
    # Overdue tasks pile up in a CRM and were signalled long ago: only their keys are worked
    # out on every pass, and only the new ones are read in full.
    keys = {
        task_id: f"{_task_kind(at, now)}:{task_id}:{at.isoformat()}"
        for task_id, at in due
        if at is not None
    }
    wanted = await unseen(session, keys.values())
    ids = [task_id for task_id, key in keys.items() if key in wanted]
    found = []
    for chunk in chunks(ids):
        rows = await session.execute(
            select(
                CrmTask.id,
                CrmTask.title,
                CrmTask.due_at,
                CrmTask.priority,
                CrmTask.contact_id,
                CrmTask.company_id,
                CrmTask.deal_id,
            )
            .where(CrmTask.id.in_(chunk))
            .order_by(CrmTask.id)
        )
        for task in rows:
            kind = _task_kind(task.due_at, now)
            found.append(
                signal_row(
                    now,
                    kind,
                    keys[task.id],
                    min(now, task.due_at) if kind == "task.due" else task.due_at,
                    {
                        "task_id": task.id,
                        "title": task.title,
                        "due_at": task.due_at.isoformat(),
                        "priority": task.priority,
                    },
                    contact_id=task.contact_id,
                    company_id=task.company_id,
                    deal_id=task.deal_id,
                )
            )
    return found


def _task_kind(due_at: datetime, now: datetime) -> str:
    return "task.overdue" if due_at <= now else "task.due"
