"""agents.*: the agents as an operator inspects, tunes and tries them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import agent_pass, agent_runs, agents_admin, settings
from daemon.errors import InvalidParams
from daemon.jobs import JobRun
from daemon.ops.views import JobOut
from daemon.registry import CLI_ONLY, EVERYWHERE, NoParams, Params, operation
from daemon.wire import WireModel

NAME = Field(max_length=64, description="The agent, as `agents list` names it.")


def _invalid(e: agents_admin.AgentError) -> InvalidParams:
    return InvalidParams(str(e), field=e.field)


class AgentInfo(WireModel):
    name: str
    domain: str = Field(description="sales or ops: the part of the work it serves.")
    description: str
    consumes: list[str] = Field(description="The signal kinds it reads.")
    enabled: bool
    last_run_at: datetime | None = Field(description="When its last recorded run ended.")
    proposed: int = Field(description="Moves it proposed in the last 30 days.")
    accepted: int = Field(
        description="Of its moves proposed in the last 90 days, those you ever accepted."
    )
    decided: int = Field(description="Of those moves, the ones you accepted or dismissed.")
    acceptance_rate: float | None = Field(
        description="Acceptance rate as docs/DOMAIN.md defines it (accepted over proposed), "
        "over its moves of the last 90 days; null until you decided on one of them."
    )


class AgentsResult(WireModel):
    now: datetime
    timezone: str = Field(description="The workspace's time zone, for showing times.")
    agents: list[AgentInfo]


async def _agents(ctx: OpContext) -> AgentsResult:
    rows = await agents_admin.summaries(ctx.session, ctx.now())
    zone = str(await settings.timezone(ctx.session))
    return AgentsResult(now=ctx.now(), timezone=zone, agents=[AgentInfo(**r) for r in rows])


@operation(
    "agents.list",
    params=NoParams,
    result=AgentsResult,
    effect="read",
    description="The agents: what they read, whether they are on, their last run, how many "
    "moves they proposed lately and how many of their decided moves were taken.",
    expose=EVERYWHERE,
)
async def agents_list(ctx: OpContext, p: NoParams) -> AgentsResult:
    return await _agents(ctx)


class NameParams(Params):
    name: str = NAME


class KnobOut(WireModel):
    name: str
    default: Any = Field(description="Its declared default: a number, a yes/no or a list.")
    value: Any = Field(description="The value in use: the operator's, else the default.")
    help: str


class RunOut(WireModel):
    started_at: datetime
    finished_at: datetime
    trigger: str = Field(description="pass (the scheduler's or a sync's) or manual.")
    signals: int = Field(description="Signals it read.")
    proposed: int = Field(description="New moves.")
    updated: int = Field(description="Open moves it refreshed.")
    errors: int
    last_error: str | None


class ShowResult(AgentInfo):
    now: datetime
    timezone: str = Field(description="The workspace's time zone, for showing times.")
    doc: str = Field(description="What it proposes and why: the agent's own account.")
    knobs: list[KnobOut]
    runs: list[RunOut] = Field(description="Its latest runs, newest first (at most 10).")


@operation(
    "agents.show",
    params=NameParams,
    result=ShowResult,
    effect="read",
    description="One agent: what it proposes and why, its knobs and their values, its "
    "figures and its latest runs.",
    expose=EVERYWHERE,
)
async def agents_show(ctx: OpContext, p: NameParams) -> ShowResult:
    try:
        found = await agents_admin.detail(ctx.session, ctx.now(), p.name)
        zone = str(await settings.timezone(ctx.session))
        return ShowResult(now=ctx.now(), timezone=zone, **found)
    except agents_admin.AgentError as e:
        raise _invalid(e) from None


class ToggleParams(Params):
    name: str = NAME
    enabled: bool = Field(description="True to turn it on, false to turn it off.")


@operation(
    "agents.configure",
    params=ToggleParams,
    result=AgentsResult,
    effect="local",
    description="Turn an agent on or off in this workspace.",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def agents_configure(ctx: OpContext, p: ToggleParams) -> AgentsResult:
    try:
        agent = agents_admin.named(p.name)
    except agents_admin.AgentError as e:
        raise _invalid(e) from None
    disabled = await agents_admin.disabled(ctx.session)
    if p.enabled:
        disabled.discard(agent.name)
    else:
        disabled.add(agent.name)
    await settings.put(ctx.session, "agents.disabled", sorted(disabled))
    return await _agents(ctx)


class SetParams(Params):
    name: str = NAME
    knob: str = Field(max_length=64, description="The knob, as `agents show` lists it.")
    value: str = Field(
        max_length=2000,
        description="The value as typed: a number, yes/no, a comma-separated list, or "
        "name=value pairs.",
    )


class SetResult(WireModel):
    name: str
    knobs: dict[str, Any] = Field(description="Every knob of the agent, with its value now.")


@operation(
    "agents.set",
    params=SetParams,
    result=SetResult,
    effect="local",
    description="Change one knob of an agent; it applies from the next pass on (open moves "
    "keep their scores: no knob feeds a score).",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def agents_set(ctx: OpContext, p: SetParams) -> SetResult:
    try:
        values = await agents_admin.set_knob(ctx.session, p.name, p.knob, p.value)
    except agents_admin.AgentError as e:
        raise _invalid(e) from None
    return SetResult(name=p.name, knobs=values)


class RunParams(Params):
    name: str | None = Field(
        default=None,
        max_length=64,
        description="Run only this agent, over its waiting signals; none runs a full pass.",
    )


class RunResult(WireModel):
    job: JobOut = Field(description="The run; wait for it with jobs.wait.")


@operation(
    "agents.run",
    params=RunParams,
    result=RunResult,
    effect="local",
    needs_session=False,
    description="Start a full agent pass now (time-based signals, agents, wake-ups, expiry), "
    "or run one agent over its waiting signals.",
    # The scheduler runs a pass every minute: a client would gain at most that minute, and
    # one starting passes in a loop would keep the writer busy against the operator.
    expose=CLI_ONLY,
    destructive=False,
)
async def agents_run(ctx: OpContext, p: RunParams) -> RunResult:
    if p.name is not None:
        try:
            agent = agents_admin.named(p.name)
        except agents_admin.AgentError as e:
            raise _invalid(e) from None
        async with ctx.workspace.session() as session:
            off = await agents_admin.disabled(session)
        if agent.name in off:
            raise InvalidParams(
                f"{agent.name} is off; turn it on with `caseyos agents enable {agent.name}` "
                "(or see what it would propose with --dry-run)",
                field="name",
            )
        name = agent.name

        async def one(run: JobRun) -> dict[str, Any]:
            return {"agent": await agents_admin.run_one(run, name)}

        job = await ctx.state.jobs.start("agents", f"run {name}", ctx.workspace, {}, one)
        return RunResult(job=JobOut(**job))

    async def work(run: JobRun) -> dict[str, Any]:
        report = await agent_pass.run_all(run, agent_runs.MANUAL)
        ctx.state.last_tick = {"at": ctx.state.clock.now().isoformat(), **report}
        return {"report": report}

    job = await ctx.state.jobs.start("agents", "agent pass", ctx.workspace, {}, work)
    return RunResult(job=JobOut(**job))


class DryProposal(WireModel):
    title: str
    why_now: str
    move_type: str
    aps: float = Field(description="The score it would get now.")
    due_at: datetime
    dedup_key: str
    existing: str | None = Field(
        description="The status of the move it would refresh; null when it would be new."
    )


class DryRunResult(WireModel):
    agent: str
    enabled: bool
    signals: int = Field(description="Waiting signals it read (the oldest, at most 2,000).")
    clock_signals: int = Field(description="Time-based signals due now, not yet stored.")
    more_waiting: bool = Field(description="Whether more waiting signals were left unread.")
    errors: int
    last_error: str | None
    proposals: list[DryProposal] = Field(description="What it would propose, best first.")


@operation(
    "agents.dry_run",
    params=NameParams,
    result=DryRunResult,
    effect="read",
    description="What one agent would propose now from its waiting signals and the clock's, "
    "with the score each would get; nothing is stored.",
    expose=EVERYWHERE,
)
async def agents_dry_run(ctx: OpContext, p: NameParams) -> DryRunResult:
    try:
        found = await agents_admin.dry_run(ctx.session, ctx.now(), p.name)
    except agents_admin.AgentError as e:
        raise _invalid(e) from None
    return DryRunResult(**found)
