"""Agents as an operator sees them: their figures, knobs and runs, and running one now.

`summaries` and `detail` answer `agents list` and `agents show`; `set_knob` validates and
stores one knob; `dry_run` shows what an agent would propose now without storing anything;
`run_one` runs one agent over its waiting signals and stores what it proposes.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents import ALL_AGENTS, agent_named
from agents.base import Agent, SignalView
from daemon.domain import (
    agent_pass,
    agent_runs,
    detectors,
    knobs,
    pipeline,
    queue,
    settings,
)
from daemon.domain.facts import StoreFacts
from daemon.domain.scoring import ScoringError
from daemon.store.models import AgentRun, Move, MoveEvent, Signal

if TYPE_CHECKING:
    from daemon.jobs import JobRun

PROPOSED_DAYS = 30
ACCEPTANCE_DAYS = 90
RECENT_RUNS = 10
# A dry run reads at most this many waiting signals (the oldest), besides the clock's.
DRY_RUN_SIGNALS = 2000


class AgentError(ValueError):
    """A name, knob or value the operator gave that does not fit; says what would."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def named(name: str) -> Agent:
    agent = agent_named(name)
    if agent is None:
        names = ", ".join(a.name for a in ALL_AGENTS)
        raise AgentError(f"no agent {name!r}; agents: {names}", "name")
    return agent


async def disabled(session: AsyncSession) -> set[str]:
    return set(await settings.get(session, "agents.disabled") or [])


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


async def summaries(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Every agent with its last run, moves proposed lately and acceptance rate."""
    off = await disabled(session)
    # The newest run by id: under a pinned clock (tests, replays) times do not order runs.
    newest = select(func.max(AgentRun.id)).group_by(AgentRun.agent)
    last: dict[str, datetime] = {
        agent: at
        for agent, at in await session.execute(
            select(AgentRun.agent, AgentRun.finished_at).where(AgentRun.id.in_(newest))
        )
    }
    since = now - timedelta(days=PROPOSED_DAYS)
    proposed: dict[str, int] = {
        agent: n
        for agent, n in await session.execute(
            select(Move.agent, func.count()).where(Move.created_at >= since).group_by(Move.agent)
        )
    }
    # Acceptance rate as docs/DOMAIN.md defines it (moves ever accepted over moves
    # proposed), over the moves proposed in the last ACCEPTANCE_DAYS; none until the
    # operator decided on at least one of them (accepted it at some point, or dismissed it).
    window = Move.created_at >= now - timedelta(days=ACCEPTANCE_DAYS)
    ever_accepted = (
        select(MoveEvent.move_id).where(MoveEvent.to_status == queue.ACCEPTED).scalar_subquery()
    )
    figures: dict[str, tuple[int, int, int]] = {
        agent: (int(total), int(accepted or 0), int(dismissed or 0))
        for agent, total, accepted, dismissed in await session.execute(
            select(
                Move.agent,
                func.count(),
                func.sum(case((Move.id.in_(ever_accepted), 1), else_=0)),
                func.sum(case((Move.status == queue.DISMISSED, 1), else_=0)),
            )
            .where(window)
            .group_by(Move.agent)
        )
    }
    out = []
    for a in ALL_AGENTS:
        total, accepted, dismissed = figures.get(a.name, (0, 0, 0))
        decided = accepted + dismissed
        out.append(
            {
                "name": a.name,
                "domain": a.domain,
                "description": a.description,
                "consumes": sorted(a.consumes),
                "enabled": a.name not in off,
                "last_run_at": last.get(a.name),
                "proposed": int(proposed.get(a.name, 0)),
                "accepted": accepted,
                "decided": decided,
                "acceptance_rate": round(accepted / total, 3) if decided else None,
            }
        )
    return out


def _run(row: AgentRun) -> dict[str, Any]:
    return {
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "trigger": row.trigger,
        "signals": row.signals,
        "proposed": row.proposed,
        "updated": row.updated,
        "errors": row.errors,
        "last_error": row.last_error,
    }


async def detail(session: AsyncSession, now: datetime, name: str) -> dict[str, Any]:
    """One agent: what it does, its knobs with their values, its figures and recent runs."""
    agent = named(name)
    summary = next(s for s in await summaries(session, now) if s["name"] == agent.name)
    values = await knobs.values_of(session, agent.name)
    runs = (
        await session.scalars(
            select(AgentRun)
            .where(AgentRun.agent == agent.name)
            .order_by(AgentRun.id.desc())
            .limit(RECENT_RUNS)
        )
    ).all()
    return {
        **summary,
        "doc": inspect.getdoc(type(agent)) or agent.description,
        "knobs": [
            {
                "name": k,
                "default": _plain(knob.default),
                "value": _plain(values[k]),
                "help": knob.help,
            }
            for k, knob in agent.knobs.items()
        ],
        "runs": [_run(r) for r in runs],
    }


async def set_knob(session: AsyncSession, name: str, knob: str, text: str) -> dict[str, Any]:
    """Store one knob from the operator's text; returns the agent's knob values after.

    Raises AgentError for an unknown agent or knob, or a value not of the default's type.
    Knobs change what an agent (or the detector that feeds it) proposes from the next pass
    on; no knob feeds a stored score, so open moves keep theirs.
    """
    agent = named(name)
    if knob not in agent.knobs:
        have = ", ".join(agent.knobs) or "none"
        raise AgentError(f"{agent.name} has no knob {knob!r}; its knobs: {have}", "knob")
    try:
        value = knobs.parse_value(knob, agent.knobs[knob].default, text)
    except ValueError as e:
        raise AgentError(str(e), "value") from None
    stored = dict(await settings.get(session, f"agents.{agent.name}") or {})
    stored[knob] = value
    await settings.put(session, f"agents.{agent.name}", stored)
    return {k: _plain(v) for k, v in (await knobs.values_of(session, agent.name)).items()}


@dataclass
class Found:
    """What an agent would propose now, scored, and what it read to get there."""

    scored: list[queue.Scored]
    signals: int
    clock_signals: int
    more_waiting: bool
    tally: agent_runs.Tally


async def _waiting(session: AsyncSession, agent: Agent, limit: int) -> list[Signal]:
    return list(
        (
            await session.scalars(
                select(Signal)
                .where(Signal.processed_at.is_(None), Signal.kind.in_(sorted(agent.consumes)))
                .order_by(Signal.occurred_at, Signal.id)
                .limit(limit)
            )
        ).all()
    )


async def _propose(
    session: AsyncSession, now: datetime, agent: Agent, signals: list[SignalView]
) -> tuple[list[queue.Scored], agent_runs.Tally]:
    ctx = await pipeline.context(session, now)
    tally = agent_runs.Tally(signals=len(signals))
    if not signals:
        return [], tally
    facts = StoreFacts(session, now, ctx.cfg.tz, ctx.operator)
    await facts.prefetch(signals)
    try:
        proposals = await agent.propose(signals, facts)
    except Exception as e:
        tally.failed(e)
        return [], tally
    scored = []
    for p in proposals:
        try:
            scored.append(queue.score_proposal(agent.name, p, now, ctx.cfg, ctx.learned))
        except ScoringError as e:
            tally.failed(e)
    return scored, tally


async def dry_run(session: AsyncSession, now: datetime, name: str) -> dict[str, Any]:
    """What `name` would propose now from its waiting signals and the ones the clock calls
    for, scored as the queue would score them; reads only, stores nothing."""
    agent = named(name)
    await settings.preload(session)
    waiting = await _waiting(session, agent, DRY_RUN_SIGNALS + 1)
    more = len(waiting) > DRY_RUN_SIGNALS
    views = [pipeline.view(s) for s in waiting[:DRY_RUN_SIGNALS]]
    candidates = [
        c
        for c in await detectors.find(session, now, await settings.timezone(session))
        if c["kind"] in agent.consumes
    ]
    unseen = await detectors.unseen(session, (c["dedup_key"] for c in candidates))
    clock: list[SignalView] = []
    for c in candidates:
        if c["dedup_key"] in unseen:
            unseen.discard(c["dedup_key"])
            # Not stored, so no id: negative ones stand in.
            clock.append(
                SignalView(
                    -(len(clock) + 1),
                    c["kind"],
                    c["occurred_at"],
                    c["payload"] or {},
                    c["contact_id"],
                    c["company_id"],
                    c["deal_id"],
                    c["thread_id"],
                    c["meeting_id"],
                )
            )
    scored, tally = await _propose(session, now, agent, views + clock)
    keys = [s.proposal.dedup_key for s in scored]
    existing: dict[str, str] = {}
    for part in queue.chunks(keys):
        existing.update(
            (key, status)
            for key, status in await session.execute(
                select(Move.dedup_key, Move.status).where(Move.dedup_key.in_(part))
            )
        )
    proposals = [
        {
            "title": s.proposal.title,
            "why_now": s.proposal.why_now,
            "move_type": s.proposal.move_type,
            "aps": round(s.aps, 1),
            "due_at": s.proposal.due_at,
            "dedup_key": s.proposal.dedup_key,
            "existing": existing.get(s.proposal.dedup_key),
        }
        for s in sorted(scored, key=lambda s: -s.aps)
    ]
    return {
        "agent": agent.name,
        "enabled": agent.name not in await disabled(session),
        "signals": len(views),
        "clock_signals": len(clock),
        "more_waiting": more,
        "errors": tally.errors,
        "last_error": tally.last_error,
        "proposals": proposals,
    }


async def run_one(run: JobRun, name: str) -> dict[str, Any]:
    """Run one agent now: the clock's signals are added (as any pass would), then the agent
    reads its waiting signals a chunk at a time and its proposals go on the queue. The
    signals stay waiting for the next full pass, where every agent reads them (this one
    again refreshes the same moves). Writes a run record with trigger "manual"."""
    agent = named(name)
    now = run.state.clock.now()
    began = time.perf_counter()
    run.progress(phase="agents", done=0)
    async with run.chunk() as uow:
        if agent.name in await disabled(uow.session):
            raise AgentError(
                f"{agent.name} is off; turn it on with `caseyos agents enable {agent.name}`",
                "name",
            )
        await detectors.detect(uow.session, now, await settings.timezone(uow.session))
    total = agent_runs.Tally()
    after: tuple[datetime, int] | None = None
    while True:
        async with run.chunk() as uow:
            query = select(Signal).where(
                Signal.processed_at.is_(None), Signal.kind.in_(sorted(agent.consumes))
            )
            if after is not None:
                at, sid = after
                query = query.where(
                    (Signal.occurred_at > at) | ((Signal.occurred_at == at) & (Signal.id > sid))
                )
            rows = (
                await uow.session.scalars(
                    query.order_by(Signal.occurred_at, Signal.id).limit(pipeline.PROCESS_CHUNK)
                )
            ).all()
            if not rows:
                break
            after = (rows[-1].occurred_at, rows[-1].id)
            scored, tally = await _propose(
                uow.session, now, agent, [pipeline.view(s) for s in rows]
            )
            for _, is_new in await queue.upsert_many(uow.session, agent.name, scored, now):
                tally.proposed += is_new
                tally.updated += not is_new
            total.signals += tally.signals
            total.proposed += tally.proposed
            total.updated += tally.updated
            total.errors += tally.errors
            total.last_error = tally.last_error or total.last_error
            run.progress(done=total.signals)
            if len(rows) < pipeline.PROCESS_CHUNK:
                break
    async with run.chunk() as uow:
        finished = now + timedelta(seconds=time.perf_counter() - began)
        await agent_runs.record(uow.session, {agent.name: total}, agent_runs.MANUAL, now, finished)
        if total.proposed or total.updated:
            figures = {
                "failed_agents": int(total.errors > 0),
                "signals": total.signals,
                "proposed": total.proposed,
                "updated": total.updated,
            }
            uow.emit(
                "queue.changed", {"workspace": run.workspace.name, **agent_pass.counts(figures)}
            )
    return {
        "agent": agent.name,
        "signals": total.signals,
        "proposed": total.proposed,
        "updated": total.updated,
        "errors": total.errors,
        "last_error": total.last_error,
    }
