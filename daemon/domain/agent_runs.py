"""Agent run records: what each agent did on each pass, for `agents list` and `agents show`.

A pass tallies each agent's part as it goes (`Tally`) and writes one row per agent that had
something to read, or failed, with one insert at its end; an idle pass writes nothing, so
the kept rows are runs that did something. Only the newest `KEEP` rows per agent stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import AgentRun

KEEP = 200
# How a run started: the scheduler's (or a sync's) pass, or an operator's `agents run`.
PASS, MANUAL = "pass", "manual"
ERROR_TEXT = 500


@dataclass
class Tally:
    """One agent's part in a pass so far."""

    signals: int = 0
    proposed: int = 0
    updated: int = 0
    errors: int = 0
    last_error: str | None = None

    def failed(self, error: BaseException | str) -> None:
        self.errors += 1
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.last_error = text[:ERROR_TEXT]


async def record(
    session: AsyncSession,
    tallies: dict[str, Tally],
    trigger: str,
    started_at: datetime,
    finished_at: datetime,
    keep: int = KEEP,
) -> int:
    """Write one run per tallied agent and drop each agent's runs beyond the newest `keep`;
    returns how many runs were written. The caller commits."""
    rows = [
        {
            "agent": agent,
            "trigger": trigger,
            "started_at": started_at,
            "finished_at": finished_at,
            "signals": t.signals,
            "proposed": t.proposed,
            "updated": t.updated,
            "errors": t.errors,
            "last_error": t.last_error,
        }
        for agent, t in sorted(tallies.items())
    ]
    if not rows:
        return 0
    await session.execute(insert(AgentRun), rows)
    newest = (
        select(
            AgentRun.id,
            func.row_number()
            .over(partition_by=AgentRun.agent, order_by=AgentRun.id.desc())
            .label("n"),
        )
        .where(AgentRun.agent.in_(sorted(tallies)))
        .subquery()
    )
    await session.execute(
        delete(AgentRun).where(AgentRun.id.in_(select(newest.c.id).where(newest.c.n > keep)))
    )
    await session.flush()
    return len(rows)
