"""system.* and api.*: the daemon describing and steering itself."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import func, select

from daemon import paths
from daemon.context import OpContext
from daemon.domain import queue, settings
from daemon.event_types import EVENTS
from daemon.ops.views import JobOut
from daemon.protocol import PROTOCOL_VERSION
from daemon.registry import (
    CLI_ONLY,
    EVERYWHERE,
    REGISTRY,
    SURFACES,
    NoParams,
    Surface,
    operation,
)
from daemon.store.models import ImportRecord, Move, Signal
from daemon.timeparse import end_of_day
from daemon.wire import WireModel

TROUBLE = ("failing", "paused", "needs re-auth")


class ConnectorTrouble(WireModel):
    name: str
    state: str = Field(description="failing, paused or needs re-auth.")
    error: str | None


class StatusResult(WireModel):
    version: str
    protocol: int
    pid: int
    started_at: datetime = Field(description="When the daemon started, by the real clock.")
    uptime_seconds: float = Field(
        description="How long it has run: elapsed time, whatever CASEYOS_NOW pins the clock to."
    )
    now: datetime
    clock_pinned: bool
    socket: str
    workspace: str
    database: str
    timezone: str
    due_today: int
    pending: int
    last_import_at: datetime | None
    last_signal_at: datetime | None
    last_tick: dict[str, Any]
    connections_checked_out: int
    requests_served: int
    jobs_running: list[JobOut] = Field(
        default_factory=list, description="Imports, builds and passes running now."
    )
    last_sync_at: datetime | None = Field(
        default=None, description="When a live connector last synced well."
    )
    connector_trouble: list[ConnectorTrouble] = Field(
        default_factory=list,
        description="Live connectors that are failing, paused or need you to sign in again.",
    )


@operation(
    "system.status",
    params=NoParams,
    result=StatusResult,
    effect="read",
    description="Daemon health: version, workspace, moves due today, last sync, pool use.",
    # Not for the assistant: pid, socket and database paths mean nothing to it and would
    # leave the machine with every prompt; the moves due it gets from queue.today.
    expose={"cli", "mcp"},
)
async def status(ctx: OpContext, p: NoParams) -> StatusResult:
    state, ws, s = ctx.state, ctx.workspace, ctx.session
    # Measured before the session's first query takes this operation's own connection.
    checked_out = ws.checked_out()
    now = state.clock.now()
    tz = await settings.timezone(s)
    due = await s.scalar(
        select(func.count()).select_from(Move).where(queue.today_filter(now, end_of_day(now, tz)))
    )
    pending = await s.scalar(
        select(func.count()).select_from(Move).where(Move.status == queue.PENDING)
    )
    last_import = await s.scalar(select(func.max(ImportRecord.imported_at)))
    last_signal = await s.scalar(select(func.max(Signal.occurred_at)))
    connectors, _ = await state.live.describe()
    synced = [c["last_sync_at"] for c in connectors if c["last_sync_at"]]
    return StatusResult(
        version=state.version,
        protocol=PROTOCOL_VERSION,
        pid=os.getpid(),
        started_at=state.started_at,
        uptime_seconds=round(state.uptime(), 3),
        now=now,
        clock_pinned=state.clock.pinned,
        socket=str(paths.socket_path()),
        workspace=ws.name,
        database=str(ws.path),
        timezone=str(tz),
        due_today=int(due or 0),
        pending=int(pending or 0),
        last_import_at=last_import,
        last_signal_at=last_signal,
        last_tick=state.last_tick,
        connections_checked_out=checked_out,
        requests_served=state.requests_served,
        jobs_running=[JobOut(**job) for job in state.jobs.running()],
        last_sync_at=max(synced, default=None),
        connector_trouble=[
            ConnectorTrouble(name=c["name"], state=c["state"], error=c["error"])
            for c in connectors
            if c["state"] in TROUBLE
        ],
    )


class StopResult(WireModel):
    stopping: bool


@operation(
    "system.stop",
    params=NoParams,
    result=StopResult,
    effect="local",
    needs_session=False,
    description="Ask the daemon to finish running operations and exit.",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def stop(ctx: OpContext, p: NoParams) -> StopResult:
    ctx.state.stop_requested.set()
    return StopResult(stopping=True)


class OperationInfo(WireModel):
    name: str
    tool_name: str = Field(description="The name as an MCP or assistant tool.")
    description: str
    effect: Literal["read", "local", "external"]
    expose: list[Surface] = Field(description=f"Who may call it, of {', '.join(SURFACES)}.")
    hints: dict[str, bool] = Field(description="MCP tool annotations.")
    params: dict[str, Any]
    result: dict[str, Any]


class ApiList(WireModel):
    protocol: int
    operations: list[OperationInfo]


def api_description() -> ApiList:
    ops = [OperationInfo(**op.schema()) for op in sorted(REGISTRY.values(), key=lambda o: o.name)]
    return ApiList(protocol=PROTOCOL_VERSION, operations=ops)


@operation(
    "api.list",
    params=NoParams,
    result=ApiList,
    effect="read",
    needs_session=False,
    description="Every operation the daemon offers, with its JSON Schemas.",
    expose=EVERYWHERE,
)
async def api_list(ctx: OpContext, p: NoParams) -> ApiList:
    return api_description()


class EventInfo(WireModel):
    name: str
    description: str
    payload: dict[str, Any] = Field(description="The JSON Schema of the event's data.")


class EventsResult(WireModel):
    events: list[EventInfo]


def events_description() -> EventsResult:
    return EventsResult(events=[EventInfo(**EVENTS[name].schema()) for name in sorted(EVENTS)])


@operation(
    "api.events",
    params=NoParams,
    result=EventsResult,
    effect="read",
    needs_session=False,
    description="Every event the daemon publishes, with the JSON Schema of its data.",
    expose=EVERYWHERE,
)
async def api_events(ctx: OpContext, p: NoParams) -> EventsResult:
    return events_description()
