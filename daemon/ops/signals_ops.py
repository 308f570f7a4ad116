"""signals.*: what happened, as the agents saw it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlalchemy import select

from daemon.context import OpContext
from daemon.domain import settings
from daemon.domain.paging import PAGE_MAX, Key
from daemon.domain.signal_stats import signal_stats
from daemon.errors import InvalidParams
from daemon.ops import pages
from daemon.ops.pages import PageInfo, PageParams
from daemon.ops.views import SignalOut, signal_view
from daemon.registry import EVERYWHERE, Params, operation
from daemon.store.models import Signal
from daemon.timeparse import TimeParseError, parse_since
from daemon.wire import WireModel


class SinceParams(Params):
    since: str = Field("7d", description="How far back: '7d', '24h', 'yesterday', a date.")


async def _since(ctx: OpContext, text: str) -> datetime:
    try:
        return parse_since(text, now=ctx.now(), tz=await settings.timezone(ctx.session))
    except TimeParseError as exc:
        raise InvalidParams(str(exc), field="since") from None


NEWEST_FIRST = (Key(Signal.occurred_at, descending=True), Key(Signal.id, descending=True))


class ListParams(SinceParams, PageParams):
    kind: str | None = Field(None, description="Only this kind, e.g. email.replied.")
    limit: int = Field(100, ge=1, le=PAGE_MAX, description="At most this many signals.")


class ListResult(PageInfo):
    signals: list[SignalOut]
    since: datetime
    timezone: str
    now: datetime = Field(description="The daemon's clock when it answered, for relative times.")


@operation(
    "signals.list",
    params=ListParams,
    result=ListResult,
    effect="read",
    description="Signals that occurred since a time, newest first.",
    expose=EVERYWHERE,
)
async def list_signals(ctx: OpContext, p: ListParams) -> ListResult:
    since = await _since(ctx, p.since)
    query = select(Signal).where(Signal.occurred_at >= since, Signal.occurred_at <= ctx.now())
    if p.kind:
        query = query.where(Signal.kind == p.kind)
    page = await pages.keyset(ctx.session, "signals.list", query, NEWEST_FIRST, p)
    return ListResult(
        signals=[signal_view(s) for s in page.rows],
        since=since,
        timezone=str(await settings.timezone(ctx.session)),
        now=ctx.now(),
        total=page.total,
        next_cursor=page.next_cursor,
    )


class StatsResult(WireModel):
    since: datetime
    total: int
    by_kind: dict[str, int]
    by_source: dict[str, int]
    unprocessed: int
    last_at: datetime | None
    timezone: str = Field(description="The operator's zone, for showing times.")
    now: datetime = Field(description="The daemon's clock when it answered, for relative times.")


@operation(
    "signals.stats",
    params=SinceParams,
    result=StatsResult,
    effect="read",
    description="Signal counts by kind and source since a time.",
    expose=EVERYWHERE,
)
async def stats(ctx: OpContext, p: SinceParams) -> StatsResult:
    s = ctx.session
    since = await _since(ctx, p.since)
    found = await signal_stats(s, since, ctx.now())
    return StatsResult(
        since=since,
        total=sum(found.by_kind.values()),
        by_kind=found.by_kind,
        by_source=found.by_source,
        unprocessed=found.unprocessed,
        last_at=found.last_at,
        timezone=str(await settings.timezone(s)),
        now=ctx.now(),
    )
