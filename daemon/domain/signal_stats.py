"""How many signals of each kind and source arrived in a window, and what still waits for
the agents: the figures `signals stats` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import Signal


@dataclass(frozen=True)
class SignalStats:
    by_kind: dict[str, int]
    by_source: dict[str, int]
    unprocessed: int
    last_at: datetime | None


async def signal_stats(session: AsyncSession, since: datetime, until: datetime) -> SignalStats:
    """Counts by kind and by source of the signals that occurred in [since, until], the
    signals no pass has processed yet, and when the newest occurred."""
    window = (Signal.occurred_at >= since, Signal.occurred_at <= until)
    counts: dict[str, dict[str, int]] = {}
    for name, column in (("kind", Signal.kind), ("source", Signal.source)):
        rows = await session.execute(
            select(column, func.count()).where(*window).group_by(column).order_by(column)
        )
        counts[name] = {str(key): int(n) for key, n in rows}
    unprocessed = await session.scalar(
        select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
    )
    return SignalStats(
        by_kind=counts["kind"],
        by_source=counts["source"],
        unprocessed=int(unprocessed or 0),
        last_at=await session.scalar(select(func.max(Signal.occurred_at))),
    )
