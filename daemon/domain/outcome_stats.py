"""Did the moves work? Per agent or move type: acceptance, success and time to outcome."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain.learning import POSITIVE_OUTCOMES
from daemon.store.models import Move, MoveEvent, Outcome

StatsBy = Literal["agent", "move_type"]


@dataclass
class Group:
    key: str
    proposed: int
    accepted: int
    executed: int
    positive: int
    acceptance_rate: float | None
    success_rate: float | None
    median_hours_to_outcome: float | None


@dataclass
class Stats:
    groups: list[Group]
    by_kind: dict[str, int]
    by_source: dict[str, int]


@dataclass
class _Tally:
    proposed: int = 0
    accepted: int = 0
    decided: int = 0
    executed: int = 0
    positive: int = 0
    hours: list[float] = field(default_factory=list)


async def stats(s: AsyncSession, by: StatsBy) -> Stats:
    """Every move grouped by agent or move type; a move succeeded when it was done and a
    positive outcome followed."""
    group_col = Move.agent if by == "agent" else Move.move_type
    moves = (await s.execute(select(Move.id, group_col))).all()
    accepted_ids = set(
        (await s.scalars(select(MoveEvent.move_id).where(MoveEvent.to_status == "accepted"))).all()
    )
    dismissed_ids = set(
        (await s.scalars(select(MoveEvent.move_id).where(MoveEvent.to_status == "dismissed"))).all()
    )
    done_at = dict(
        (
            await s.execute(
                select(MoveEvent.move_id, MoveEvent.at).where(MoveEvent.to_status == "done")
            )
        ).all()
    )
    outcomes = (
        await s.execute(select(Outcome.move_id, Outcome.kind, Outcome.source, Outcome.occurred_at))
    ).all()
    first_positive: dict[int, datetime] = {}
    by_kind: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    for move_id, kind, source, at in outcomes:
        by_kind[kind] += 1
        by_source[source] += 1
        if kind in POSITIVE_OUTCOMES:
            first_positive[move_id] = min(at, first_positive.get(move_id, at))
    groups: dict[str, _Tally] = defaultdict(_Tally)
    for move_id, key in moves:
        g = groups[key]
        g.proposed += 1
        g.accepted += move_id in accepted_ids
        g.decided += move_id in accepted_ids or move_id in dismissed_ids
        start = done_at.get(move_id)
        if start is None:
            continue
        g.executed += 1
        if move_id in first_positive:
            g.positive += 1
            hours = (first_positive[move_id] - start).total_seconds() / 3600
            g.hours.append(max(0.0, hours))
    out = [
        Group(
            key=key,
            proposed=g.proposed,
            accepted=g.accepted,
            executed=g.executed,
            positive=g.positive,
            # As `agents list`: a rate only once the operator decided on one of its moves.
            acceptance_rate=round(g.accepted / g.proposed, 3) if g.decided else None,
            success_rate=round(g.positive / g.executed, 3) if g.executed else None,
            median_hours_to_outcome=round(statistics.median(g.hours), 1) if g.hours else None,
        )
        for key, g in sorted(groups.items())
    ]
    return Stats(out, dict(by_kind), dict(by_source))
