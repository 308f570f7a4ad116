"""Reports computed on demand from the store: the weekly pipeline review.

`pipeline` answers `reports.pipeline`: open deals by stage (count, value, stalled), what
moved in the last seven days (`deal.stage_changed` and `deal.created` signals), and a
forecast (amounts weighted by their stage's chance) against last week's, which the
`report.weekly` signal of the week before recorded when it was made (`snapshot`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import HUBSPOT_STAGES, stage_label
from daemon.domain import knobs
from daemon.domain.facts import CLOSED_STAGES
from daemon.domain.scoring import win_chance
from daemon.store.models import Deal, Signal

WEEK = timedelta(days=7)
WON, LOST = "closedwon", "closedlost"


def week_of(now: datetime, tz: ZoneInfo) -> str:
    """'2026-W48': the ISO week `now` falls in, in the operator's zone."""
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def _order(stage: str) -> tuple[int, str]:
    keys = list(HUBSPOT_STAGES)
    low = stage.lower()
    return (keys.index(low), low) if low in keys else (len(keys), low)


async def _open_by_stage(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Open deals grouped by stage, each with its stalled part: one GROUP BY."""
    stalled_days = int(await knobs.agent_value(session, "deal_health", "stalled_days"))
    entered = func.coalesce(Deal.stage_entered_at, Deal.created_at)
    stalled = entered <= now - timedelta(days=stalled_days)
    amount = func.coalesce(Deal.amount, 0.0)
    rows = await session.execute(
        select(
            Deal.stage,
            func.count(),
            func.sum(amount),
            func.count().filter(stalled),
            func.coalesce(func.sum(amount).filter(stalled), 0.0),
        )
        .where(func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)))
        .group_by(Deal.stage)
    )
    stages = []
    for stage, count, value, stalled_count, stalled_value in rows:
        chance = win_chance(stage)
        stages.append(
            {
                "stage": stage,
                "label": stage_label(stage),
                "count": int(count),
                "value": float(value or 0),
                "weighted": float(value or 0) * chance,
                "stalled_count": int(stalled_count),
                "stalled_value": float(stalled_value or 0),
            }
        )
    stages.sort(key=lambda s: _order(str(s["stage"])))
    return stages


def _totals(stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "open_count": sum(s["count"] for s in stages),
        "open_value": sum(s["value"] for s in stages),
        "weighted": sum(s["weighted"] for s in stages),
        "stalled_count": sum(s["stalled_count"] for s in stages),
        "stalled_value": sum(s["stalled_value"] for s in stages),
    }


async def snapshot(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """The totals a week's `report.weekly` signal keeps, for next week's comparison."""
    return _totals(await _open_by_stage(session, now))


async def _movement(session: AsyncSession, now: datetime) -> dict[str, Any]:
    since = now - WEEK
    window = (Signal.occurred_at > since, Signal.occurred_at <= now)
    changes = await session.execute(
        select(Signal.occurred_at, Signal.deal_id, Signal.payload, Deal.amount)
        .outerjoin(Deal, Deal.id == Signal.deal_id)
        .where(Signal.kind == "deal.stage_changed", *window)
        .order_by(Signal.occurred_at, Signal.id)
    )
    moved = []
    won = lost = 0.0
    for at, deal_id, payload, amount in changes:
        to = str(payload.get("to") or "")
        moved.append(
            {
                "deal_id": deal_id,
                "deal": payload.get("deal"),
                "from_stage": stage_label(str(payload.get("from") or "")),
                "to_stage": stage_label(to),
                "amount": amount,
                "at": at,
            }
        )
        won += float(amount or 0) if to.lower() == WON else 0.0
        lost += float(amount or 0) if to.lower() == LOST else 0.0
    created = await session.scalar(
        select(func.count()).select_from(Signal).where(Signal.kind == "deal.created", *window)
    )
    return {
        "since": since,
        "stage_changes": moved,
        "new_deals": int(created or 0),
        "won_value": won,
        "lost_value": lost,
    }


async def last_week(session: AsyncSession, now: datetime, tz: ZoneInfo) -> dict[str, Any] | None:
    """The totals the latest `report.weekly` signal of an earlier week kept, with its week."""
    this_week = f"report.weekly:{week_of(now, tz)}"
    row = await session.execute(
        select(Signal.payload)
        .where(
            Signal.kind == "report.weekly",
            Signal.occurred_at <= now,
            Signal.dedup_key != this_week,
        )
        .order_by(Signal.occurred_at.desc(), Signal.id.desc())
        .limit(1)
    )
    payload = row.scalar_one_or_none()
    return dict(payload) if isinstance(payload, dict) else None


async def pipeline(session: AsyncSession, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    stages = await _open_by_stage(session, now)
    totals = _totals(stages)
    before = await last_week(session, now, tz)
    return {
        "week": week_of(now, tz),
        "stages": stages,
        "totals": totals,
        "movement": await _movement(session, now),
        "last_week": before,
        "stalled_days": int(await knobs.agent_value(session, "deal_health", "stalled_days")),
    }
