"""outcomes.*: did the moves work?"""

from __future__ import annotations

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import outcome_stats, queue
from daemon.domain.outcome_stats import StatsBy
from daemon.ops.queue_ops import OutcomeOut
from daemon.registry import EVERYWHERE, Params, operation
from daemon.store.models import Outcome
from daemon.vocabulary import OutcomeKind
from daemon.wire import WireModel


class RecordParams(Params):
    move_id: int = Field(description="The move the outcome belongs to.")
    kind: OutcomeKind = Field(description="What happened as a result of the move.")
    note: str | None = Field(None, max_length=1000, description="Anything worth remembering.")


class RecordResult(WireModel):
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


class GroupStats(WireModel):
    agent: str | None = Field(description="The agent (when grouped by agent).")
    move_type: str | None = Field(description="The move type (when grouped by move type).")
    proposed: int
    accepted: int = Field(description="Moves accepted at some point (done passes through).")
    executed: int = Field(description="Moves marked done.")
    positive: int = Field(description="Done moves with a positive outcome.")
    acceptance_rate: float | None = Field(
        description="accepted / proposed; null until you accepted or dismissed one of them."
    )
    success_rate: float | None = Field(description="positive / executed.")
    median_hours_to_outcome: float | None = Field(
        description="Median hours from done to the first positive outcome."
    )


class StatsResult(WireModel):
    by: StatsBy
    groups: list[GroupStats]
    by_kind: dict[str, int] = Field(description="Outcomes by kind.")
    by_source: dict[str, int] = Field(
        description="Outcomes by source: 'detected' from later signals, 'manual' by hand."
    )


class StatsParams(Params):
    by: StatsBy = Field("agent", description="Group by agent or by move type.")


@operation(
    "outcomes.stats",
    params=StatsParams,
    result=StatsResult,
    effect="read",
    description="Per agent (or move type): acceptance, success and time to outcome.",
    expose=EVERYWHERE,
)
async def stats(ctx: OpContext, p: StatsParams) -> StatsResult:
    figures = await outcome_stats.stats(ctx.session, p.by)
    groups = [
        GroupStats(
            agent=g.key if p.by == "agent" else None,
            move_type=g.key if p.by == "move_type" else None,
            proposed=g.proposed,
            accepted=g.accepted,
            executed=g.executed,
            positive=g.positive,
            acceptance_rate=g.acceptance_rate,
            success_rate=g.success_rate,
            median_hours_to_outcome=g.median_hours_to_outcome,
        )
        for g in figures.groups
    ]
    return StatsResult(by=p.by, groups=groups, by_kind=figures.by_kind, by_source=figures.by_source)
