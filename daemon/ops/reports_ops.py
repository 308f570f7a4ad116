"""reports.*: briefs computed on demand from the store."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import reports, settings
from daemon.registry import EVERYWHERE, NoParams, operation
from daemon.wire import WireModel


class StageOut(WireModel):
    stage: str
    label: str
    count: int
    value: float = Field(description="Sum of the open deals' amounts (none counts 0).")
    weighted: float = Field(description="The value times the stage's chance of closing won.")
    stalled_count: int = Field(description="Deals in the stage longer than stalled_days.")
    stalled_value: float


class TotalsOut(WireModel):
    open_count: int
    open_value: float
    weighted: float = Field(description="The forecast: amounts weighted by stage.")
    stalled_count: int
    stalled_value: float


class LastWeekOut(TotalsOut):
    week: str


class StageChangeOut(WireModel):
    deal_id: int | None
    deal: str | None
    from_stage: str
    to_stage: str
    amount: float | None
    at: datetime


class MovementOut(WireModel):
    since: datetime
    stage_changes: list[StageChangeOut]
    new_deals: int
    won_value: float
    lost_value: float


class PipelineResult(WireModel):
    week: str = Field(description="The ISO week, in the operator's zone: '2026-W48'.")
    stages: list[StageOut]
    totals: TotalsOut
    movement: MovementOut = Field(description="The last seven days.")
    last_week: LastWeekOut | None = Field(
        description="The totals when last week's review was made; none before the first."
    )
    stalled_days: int
    timezone: str
    now: datetime = Field(description="The daemon's clock when it answered, for relative times.")


@operation(
    "reports.pipeline",
    params=NoParams,
    result=PipelineResult,
    effect="read",
    description="The weekly pipeline brief: by stage, movement, stalled value, forecast.",
    expose=EVERYWHERE,
)
async def pipeline(ctx: OpContext, p: NoParams) -> PipelineResult:
    tz = await settings.timezone(ctx.session)
    brief = await reports.pipeline(ctx.session, ctx.now(), tz)
    return PipelineResult.model_validate({**brief, "timezone": str(tz), "now": ctx.now()})
