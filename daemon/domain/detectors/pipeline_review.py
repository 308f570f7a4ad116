"""The weekly pipeline review: one `report.weekly` signal per ISO week."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import reports
from daemon.domain.detectors.marks import already_ran, mark
from daemon.domain.detectors.signals import signal_row

# The weekly pipeline review is due from this local hour on Monday (and all week after).
REVIEW_HOUR = 7


async def weekly_report(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[Any]:
    """`report.weekly`, once per ISO week from Monday morning, keeping the pipeline's totals
    then (next week's report compares against them); none while no deal is open."""
    local = now.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=REVIEW_HOUR, minute=0, second=0, microsecond=0
    )
    if local < monday:
        return []
    week = reports.week_of(now, tz)
    done = mark("weekly_report", week)
    if await already_ran(session, done):
        return []
    totals = await reports.snapshot(session, now)
    if not totals["open_count"]:
        return [done]  # no pipeline to review
    key = f"report.weekly:{week}"
    return [signal_row(now, "report.weekly", key, monday, {"week": week, **totals}), done]
