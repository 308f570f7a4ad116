"""outcomes.*: did the moves work?"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

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


class GroupStats(BaseModel):
    agent: str
    move_type: str
    proposed: int
    accepted: int
    executed: int
    positive: int
    acceptance_rate: float | None
    success_rate: float | None
    median_hours_to_outcome: float | None


class StatsResult(BaseModel):
    groups: list[GroupStats]
    by_kind: dict[str, int]


class NoParams(Params):
    pass


@dataclass
class _Tally:
    proposed: int = 0
    accepted: int = 0
    executed: int = 0
    positive: int = 0
    hours: list[float] = field(default_factory=list)


@operation(
    "outcomes.stats",
    params=NoParams,
    result=StatsResult,
    effect="read",
    description="Per agent and move type: acceptance, success and time to outcome.",
    expose=EVERYWHERE,
)
async def stats(ctx: OpContext, p: NoParams) -> StatsResult:
    s = ctx.session
    moves = (await s.execute(select(Move.id, Move.agent, Move.move_type))).all()
    accepted_ids = set(
        (await s.scalars(select(MoveEvent.move_id).where(MoveEvent.to_status == "accepted"))).all()
    )
    done_ids = set(
        (await s.scalars(select(MoveEvent.move_id).where(MoveEvent.to_status == "done"))).all()
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
    outcomes = (await s.scalars(select(Outcome))).all()
    by_move = defaultdict(list)
    by_kind: dict[str, int] = defaultdict(int)
    for o in outcomes:
        by_move[o.move_id].append(o)
        by_kind[o.kind] += 1
    groups: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    for move_id, agent, move_type in moves:
        g = groups[(agent, move_type)]
        g.proposed += 1
        g.accepted += move_id in accepted_ids
        g.executed += move_id in done_ids
        positives = [o for o in by_move.get(move_id, []) if o.kind in POSITIVE_OUTCOMES]
        if positives:
            g.positive += 1
            start = done_at.get(move_id)
            if start is not None:
                first = min(o.occurred_at for o in positives)
                g.hours.append(max(0.0, (first - start).total_seconds() / 3600))
    out = [
        GroupStats(
            agent=agent,
            move_type=move_type,
            proposed=g.proposed,
            accepted=g.accepted,
            executed=g.executed,
            positive=g.positive,
            acceptance_rate=round(g.accepted / g.proposed, 3) if g.proposed else None,
            success_rate=round(g.positive / g.executed, 3) if g.executed else None,
            median_hours_to_outcome=round(statistics.median(g.hours), 1) if g.hours else None,
        )
        for (agent, move_type), g in sorted(groups.items())
    ]
    return StatsResult(groups=out, by_kind=dict(by_kind))
