"""connectors.*: the live connectors (HubSpot, Gmail, Calendar, Drive), how their syncs are
going, and syncing now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from connectors import catalogue
from connectors.catalogue import ConnectorName
from daemon import live
from daemon.context import OpContext
from daemon.domain import live_sync
from daemon.errors import InvalidParams, NotSignedIn
from daemon.ops.record_views import Clock
from daemon.ops.views import JobOut
from daemon.registry import CLI_ONLY, EVERYWHERE, Params, operation
from daemon.wire import WireModel
from daemon.workspaces import MAIN


class StreamOut(WireModel):
    stream: str = Field(description="What the connector syncs: contacts, messages, events...")
    records: int = Field(description="Records written by this stream's syncs so far.")
    cursor_at: datetime | None = Field(
        description="When the stream's resume point was last moved (None: starts over)."
    )
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None


class ConnectorOut(WireModel):
    name: str
    service: str = Field(description="Whose sign-in it uses: hubspot or google.")
    summary: str
    connected: bool = Field(description="Whether its service is signed in.")
    needs_reauth: str | None = Field(
        description="Why it must be signed in again (`caseyos auth login`), if it must."
    )
    state: str = Field(
        description="ok, never synced, failing, paused (circuit open), needs re-auth, "
        "not connected, or syncing."
    )
    last_sync_at: datetime | None = Field(description="When every stream last synced well.")
    records: int
    error: str | None = Field(description="The last error, while it has not synced well since.")
    circuit: str = Field(description="closed, open or half-open.")
    running_job: str | None
    every_seconds: float = Field(description="How often the scheduler syncs it.")
    next_sync_in: float | None = Field(description="Seconds until the scheduler syncs it.")
    streams: list[StreamOut]
    settings: dict[str, Any] = Field(description="Its knobs and their values.")


class ConnectorsResult(Clock):
    connectors: list[ConnectorOut]


class NameParams(Params):
    name: ConnectorName | None = Field(
        None, description="One connector (hubspot, gmail, calendar, drive); all if left out."
    )


async def _connectors(ctx: OpContext, name: str | None) -> ConnectorsResult:
    described, zone = await ctx.state.live.describe(name)
    found = [
        ConnectorOut(**{**c, "streams": [StreamOut(**vars(st)) for st in c["streams"]]})
        for c in described
    ]
    return ConnectorsResult(now=ctx.now(), timezone=zone, connectors=found)


@operation(
    "connectors.list",
    params=NameParams,
    result=ConnectorsResult,
    effect="read",
    needs_session=False,
    description="The live connectors: signed in or not, last sync, records, errors, circuit.",
    expose=EVERYWHERE,
)
async def connectors_list(ctx: OpContext, p: NameParams) -> ConnectorsResult:
    return await _connectors(ctx, p.name)


class SyncParams(NameParams):
    full: bool = Field(
        False, description="Forget where each stream got to and sync everything again."
    )


class SyncStarted(WireModel):
    job: JobOut = Field(description="The sync job (a running one when it was syncing already).")
    already_running: bool = Field(description="True when the job was running before the call.")


@operation(
    "connectors.sync",
    params=SyncParams,
    result=SyncStarted,
    effect="external",
    needs_session=False,
    description="Sync one live connector, or every signed-in one, now, as a job.",
    expose=EVERYWHERE,
    # It only reads from the vendors; what it writes is their current version of records.
    destructive=False,
    idempotent=True,
)
async def connectors_sync(ctx: OpContext, p: SyncParams) -> SyncStarted:
    live = ctx.state.live
    names: list[str] = []
    if p.name is not None:
        names = [p.name]
    else:
        names = [s.name for s in catalogue.specs() if live.connected(s)]
        if not names:
            raise NotSignedIn(
                "no connector is signed in; `caseyos auth login hubspot` or "
                "`caseyos auth login google` first"
            )
    before = set(live.running.values())
    job = await live.start(names, full=p.full)
    assert job is not None  # by hand, a connector that cannot sync raised instead
    if ctx.state.workspaces.active_name != MAIN:
        await ctx.state.workspaces.use(MAIN)
        ctx.emit("workspace.changed", {"workspace": MAIN})
    return SyncStarted(job=JobOut(**job), already_running=job["id"] in before)


class SetParams(Params):
    name: ConnectorName = Field(description="The connector: hubspot, gmail, calendar or drive.")
    knob: str = Field(
        max_length=64,
        description="every_minutes, or one of the connector's own (connectors.list shows them).",
    )
    value: str = Field(
        max_length=2000,
        description="The value as typed: a number, yes/no, or a comma-separated list.",
    )


class SetResult(WireModel):
    name: str
    settings: dict[str, Any] = Field(description="Every knob of the connector, with its value.")
    every_seconds: float = Field(description="How often the scheduler syncs it now.")


@operation(
    "connectors.set",
    params=SetParams,
    result=SetResult,
    effect="local",
    workspace="main",
    description="Change one setting of a live connector (how often it syncs, its window...).",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def connectors_set(ctx: OpContext, p: SetParams) -> SetResult:
    spec = catalogue.spec(p.name)
    try:
        value = live_sync.parse_knob(spec, p.knob, p.value)
    except ValueError as exc:
        field = "knob" if p.knob not in live_sync.knob_names(spec) else "value"
        raise InvalidParams(str(exc), field=field) from None
    chosen = await live_sync.set_knob(ctx.session, spec, p.knob, value)
    every = live.every_seconds(spec, chosen)
    ctx.state.live.every[spec.name] = every
    return SetResult(
        name=spec.name, settings=await live_sync.knobs(ctx.session, spec), every_seconds=every
    )
