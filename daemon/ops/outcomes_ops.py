"""outcomes.*: did the moves work?"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select

from daemon.context import OpContext
from daemon.domain import queue
from daemon.domain.learning import POSITIVE_OUTCOMES
from daemon.ops.queue_ops import OutcomeOut
from daemon.registry import EVERYWHERE, Params, operation
from daemon.store.models import Move, MoveEvent, Outcome
from daemon.vocabulary import OutcomeKind


class RecordParams(Params):
    move_id: int = Field(description="The move the outcome belongs to.")
    kind: OutcomeKind = Field(description="What happened as a result of the move.")
    note: str | None = Field(None, max_length=1000, description="Anything worth remembering.")


class RecordResult(BaseModel):
    outcome: OutcomeOut


@operation(
    "outcomes.record",
    params=RecordParams,
    result=RecordResult,
    effect="local",
    description="Record by hand what came of a move (replied, meeting_booked, ...).",
    expose=EVERYWHERE,
    destructive=False,
    # Each call records one more outcome.
    idempotent=False,
)
async def record(ctx: OpContext, p: RecordParams) -> RecordResult:
    move = await queue.get(ctx.session, p.move_id)
    now = ctx.now()
    row = Outcome(
        move_id=move.id, kind=p.kind, source="manual", note=p.note, occurred_at=now, created_at=now
    )
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.emit("outcome.recorded", {"move_id": move.id, "kind": p.kind})
    return RecordResult(
        outcome=OutcomeOut(
            id=row.id,
            move_id=move.id,
            kind=row.kind,
            source=row.source,
            note=row.note,
            occurred_at=row.occurred_at,
        )
    )


StatsBy = Literal["agent", "move_type"]


class GroupStats(BaseModel):
    agent: str | None = Field(description="The agent (when grouped by agent).")
    move_type: str | None = Field(description="The move type (when grouped by move type).")
    proposed: int
    accepted: int = Field(description="Moves accepted at some point (done passes through).")
    executed: int = Field(description="Moves marked done.")
    positive: int = Field(description="Done moves with a positive outcome.")
    acceptance_rate: float | None = Field(description="accepted / proposed.")
    success_rate: float | None = Field(description="positive / executed.")
    median_hours_to_outcome: float | None = Field(
        description="Median hours from done to the first positive outcome."
    )


class StatsResult(BaseModel):
    by: StatsBy
    groups: list[GroupStats]
    by_kind: dict[str, int] = Field(description="Outcomes by kind.")
    by_source: dict[str, int] = Field(
        description="Outcomes by source: 'detected' from later signals, 'manual' by hand."
    )


class StatsParams(Params):
    by: StatsBy = Field("agent", description="Group by agent or by move type.")


@dataclass
class _Tally:
    proposed: int = 0
    accepted: int = 0
    executed: int = 0
    positive: int = 0
    hours: list[float] = field(default_factory=list)


@operation(
    "outcomes.stats",
    params=StatsParams,
    result=StatsResult,
    effect="read",
    description="Per agent (or move type): acceptance, success and time to outcome.",
    expose=EVERYWHERE,
)
async def stats(ctx: OpContext, p: StatsParams) -> StatsResult:
    s = ctx.session
    group_col = Move.agent if p.by == "agent" else Move.move_type
    moves = (await s.execute(select(Move.id, group_col))).tuples().all()
    accepted_ids = set(
        (await s.scalars(select(MoveEvent.move_id).where(MoveEvent.to_status == "accepted"))).all()
    )
    done_at = dict(
        (
            await s.execute(
                select(MoveEvent.move_id, MoveEvent.at).where(MoveEvent.to_status == "done")
            )
        )
        .tuples()
        .all()
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
        start = done_at.get(move_id)
        if start is None:
            continue
        g.executed += 1
        if move_id in first_positive:
            g.positive += 1
            hours = (first_positive[move_id] - start).total_seconds() / 3600
            g.hours.append(max(0.0, hours))
    out = [
        GroupStats(
            agent=key if p.by == "agent" else None,
            move_type=key if p.by == "move_type" else None,
            proposed=g.proposed,
            accepted=g.accepted,
            executed=g.executed,
            positive=g.positive,
            acceptance_rate=round(g.accepted / g.proposed, 3) if g.proposed else None,
            success_rate=round(g.positive / g.executed, 3) if g.executed else None,
            median_hours_to_outcome=round(statistics.median(g.hours), 1) if g.hours else None,
        )
        for key, g in sorted(groups.items())
    ]
    return StatsResult(by=p.by, groups=out, by_kind=dict(by_kind), by_source=dict(by_source))
