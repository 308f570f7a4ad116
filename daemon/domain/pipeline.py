"""One pass from signals to moves, in steps of bounded work.

`housekeeping` derives time-based signals, wakes snoozes, expires moves and rescores the
moves whose score is due; `process` resolves and proposes for a chunk of the oldest
unprocessed signals; `run` does both until nothing is left, in the caller's transaction.
`run_in_workspace` is the daemon's pass: each step its own short write transaction, with the
event loop free in between, so clients are served while a large pass runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents import enabled_agents
from agents.base import Agent, SignalView
from connectors.base import OperatorIdentity
from daemon.domain import agent_runs, detectors, learning, outcomes, queue, settings
from daemon.domain.facts import StoreFacts
from daemon.domain.pacing import next_chunk_size
from daemon.domain.scoring import ScoringConfig, ScoringError
from daemon.store.models import Signal

log = logging.getLogger(__name__)


# The first chunk of signals in a pass; later ones are sized by `pacing` to the time they take.
PROCESS_CHUNK = 200
RESCORE_CHUNK = 400
# What the stored scores were last brought in line with: scoring settings, learned nudges.
SCORING_APPLIED = "scoring.applied"

Cursor = tuple[datetime, int]
T = TypeVar("T")


def view(sig: Signal) -> SignalView:
    return SignalView(
        sig.id,
        sig.kind,
        sig.occurred_at,
        sig.payload or {},
        sig.contact_id,
        sig.company_id,
        sig.deal_id,
        sig.thread_id,
        sig.meeting_id,
    )


async def scoring_config(session: AsyncSession) -> ScoringConfig:
    return ScoringConfig(
        weights=await settings.weights(session),
        typical_deal_size=float(await settings.get(session, "typical_deal_size") or 25000),
        icp=await settings.get(session, "icp") or {},
        tz=await settings.timezone(session),
    )


def _config_key(cfg: ScoringConfig) -> dict[str, Any]:
    return {
        "weights": cfg.weights,
        "typical_deal_size": cfg.typical_deal_size,
        "icp": cfg.icp,
        "tz": str(cfg.tz),
    }


async def mark_changed_scores(
    session: AsyncSession, now: datetime, cfg: ScoringConfig, learned: learning.Learned
) -> int:
    """Make the moves whose score changed for reasons other than time due for rescoring.

    A new scoring configuration (weights, deal size, ICP, time zone) touches every open
    move; a learned nudge that moved (outcomes, decisions, decay) touches the moves of that
    agent and move type, or of that contact. Returns how many moves were marked.
    """
    applied = await settings.get(session, SCORING_APPLIED)
    config = _config_key(cfg)
    drift = learning.drift(applied.get("learned") if applied else None, learned)
    if applied is None or applied.get("config") != config:
        marked = await queue.mark_for_rescore(session, now, everything=True)
    else:
        marked = await queue.mark_for_rescore(
            session, now, kinds=drift.kinds, contacts=drift.contacts
        )
    current = {"config": config, "learned": drift.applied}
    if current != applied:
        await settings.put(session, SCORING_APPLIED, current)
    return marked


@dataclass(frozen=True)
class Context:
    """What every step of a pass reads before it starts; loaded once per pass. `tally`
    gathers each agent's part in the pass as it goes, for its run record."""

    cfg: ScoringConfig
    learned: learning.Learned
    operator: OperatorIdentity | None
    agents: list[Agent]
    tally: dict[str, agent_runs.Tally] = field(default_factory=dict)


async def context(session: AsyncSession, now: datetime) -> Context:
    await settings.preload(session)
    disabled = set(await settings.get(session, "agents.disabled") or [])
    return Context(
        await scoring_config(session),
        await learning.load(session, now),
        await settings.operator(session),
        enabled_agents(disabled),
    )


async def housekeeping(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Time-based signals, snoozes that end, moves past their shelf life, and rescoring.

    Rescores at most RESCORE_CHUNK moves; `rescore_due` says how many are still due
    (`rescore` continues). The caller commits.
    """
    report, _, _ = await _housekeeping(session, now)
    return report


async def _detect(session: AsyncSession, now: datetime) -> int:
    await settings.preload(session)
    return await detectors.detect(session, now, await settings.timezone(session))


async def _find(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    await settings.preload(session)
    return await detectors.find(session, now, await settings.timezone(session))


async def _add(session: AsyncSession, candidates: list[dict[str, Any]]) -> int:
    return await detectors.add(session, candidates)


async def _housekeeping(
    session: AsyncSession, now: datetime, *, detect: bool = True
) -> tuple[dict[str, Any], Context, queue.RescoreStep]:
    await settings.preload(session)
    detected = await _detect(session, now) if detect else 0
    silent = await outcomes.no_response(session, now, await settings.timezone(session))
    woken = await queue.wake(session, now)
    expired = await queue.expire(session, now)
    # Read after expiry and outcomes, which the learned nudge counts.
    ctx = await context(session, now)
    await mark_changed_scores(session, now, ctx.cfg, ctx.learned)
    step = await queue.rescore(session, now, ctx.cfg, ctx.learned, RESCORE_CHUNK)
    report = {
        "detected": detected,
        "outcomes": silent,
        "woken": woken,
        "expired": expired,
        "rescored": step.rescored,
        "rescore_due": step.remaining,
    }
    return report, ctx, step


async def rescore(
    session: AsyncSession, now: datetime, limit: int = RESCORE_CHUNK
) -> dict[str, Any]:
    """Rescore up to `limit` more moves whose score is due; the caller commits."""
    ctx = await context(session, now)
    step = await _rescore(session, now, limit, ctx)
    return {"rescored": step.rescored, "rescore_due": step.remaining}


async def _rescore(
    session: AsyncSession,
    now: datetime,
    limit: int,
    ctx: Context,
    after: queue.RescoreStep | None = None,
) -> queue.RescoreStep:
    return await queue.rescore(session, now, ctx.cfg, ctx.learned, limit, after)


async def process(session: AsyncSession, now: datetime, limit: int) -> dict[str, Any]:
    """Resolve and propose for up to `limit` of the oldest unprocessed signals.

    The report counts this call's work and `remaining`, the unprocessed signals left. When
    an agent fails (`failed_agents`), this chunk's signals stay unprocessed for the next
    pass, so a caller looping until `remaining` is 0 should stop there. The caller commits.
    """
    report, _ = await _process(session, now, limit, None, await context(session, now))
    return report


async def _process(
    session: AsyncSession,
    now: datetime,
    limit: int,
    after: Cursor | None,
    ctx: Context,
    waiting: int | None = None,
) -> tuple[dict[str, Any], Cursor | None]:
    """`process`, for signals after `after` in processing order; also returns the new cursor.

    `waiting`, when the caller knows it, is how many signals were unprocessed before this
    chunk: `remaining` is then counted down from it rather than counted again each chunk (a
    walk over all of them), and counted only once the count-down reaches 0.
    """
    query = select(Signal).where(Signal.processed_at.is_(None))
    if after is not None:
        at, sid = after
        # `occurred_at >= at` makes this a range of ix_signals_waiting; the OR alone is not.
        query = query.where(Signal.occurred_at >= at, or_(Signal.occurred_at > at, Signal.id > sid))
    rows = (await session.scalars(query.order_by(Signal.occurred_at, Signal.id).limit(limit))).all()
    report = {
        "failed_agents": 0,
        "signals": len(rows),
        "proposed": 0,
        "updated": 0,
        "resolved": 0,
        "outcomes": 0,
    }
    if rows:
        report.update(await _apply(session, now, rows, ctx))
    # A chunk an agent failed on stays unprocessed.
    left = None if waiting is None else waiting - (0 if report["failed_agents"] else len(rows))
    if not rows and after is None:
        report["remaining"] = 0  # nothing found from the start: nothing is left either
    elif left is not None and left > 0:
        report["remaining"] = left
    else:
        report["remaining"] = int(
            await session.scalar(
                select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
            )
            or 0
        )
    cursor = (rows[-1].occurred_at, rows[-1].id) if rows else after
    return report, cursor


async def _apply(
    session: AsyncSession, now: datetime, rows: Sequence[Signal], ctx: Context
) -> dict[str, int]:
    signals = [view(s) for s in rows]
    agents, cfg, learned = ctx.agents, ctx.cfg, ctx.learned
    # What came of the moves acted on before; the learned nudge reads them next pass.
    found = await outcomes.detect(session, signals, now)
    items = [(a.name, res, sig) for sig in signals for a in agents for res in a.resolutions(sig)]
    resolved = len(await queue.resolve(session, items, now))

    facts = StoreFacts(session, now, cfg.tz, ctx.operator)
    await facts.prefetch(signals)
    created = updated = 0
    failed: set[str] = set()
    for agent in agents:
        mine = [s for s in signals if s.kind in agent.consumes]
        if not mine:
            continue
        tally = ctx.tally.setdefault(agent.name, agent_runs.Tally())
        tally.signals += len(mine)
        # One broken agent must not stop the others, nor the queue's housekeeping.
        try:
            proposals = await agent.propose(mine, facts)
        except Exception as e:
            log.exception("agent %s failed; its signals are retried on the next run", agent.name)
            failed.add(agent.name)
            tally.failed(e)
            continue
        scored = []
        for proposal in proposals:
            try:
                scored.append(queue.score_proposal(agent.name, proposal, now, cfg, learned))
            except ScoringError as e:
                log.exception("agent %s proposed a move that cannot be scored", agent.name)
                failed.add(agent.name)
                tally.failed(e)
        for _, is_new in await queue.upsert_many(session, agent.name, scored, now):
            created += is_new
            updated += not is_new
            tally.proposed += is_new
            tally.updated += not is_new
        await asyncio.sleep(0)  # long chunks of agent work must not starve the clients
    if not failed:
        for row in rows:
            row.processed_at = now
    await session.flush()
    return {
        "failed_agents": len(failed),
        "proposed": created,
        "updated": updated,
        "resolved": resolved,
        "outcomes": found,
    }


COUNTS = ("failed_agents", "signals", "proposed", "updated", "resolved", "outcomes")


class Step(Protocol):
    """Runs one step of a pass in a transaction and returns what the step returned."""

    async def __call__(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T: ...


async def drive(
    step: Step,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    read: Step | None = None,
    trigger: str = agent_runs.PASS,
    paced: bool = True,
) -> dict[str, Any]:
    """A whole pass: housekeeping, every unprocessed signal, every due rescore, and the run
    records of the agents that had something to read (`trigger` says who started it).

    `step` runs each step in a transaction of its choosing (one for all, or one each);
    `read`, when given, runs the steps that only read (outside any write transaction);
    `progress` hears (signals done, signals in all) after each chunk of signals.
    `paced`: size each chunk of signals by how long the last took; unpaced, every chunk is
    PROCESS_CHUNK, so the moves come out in the same order (and with the same ids) however
    busy the machine (the demo's build relies on it).
    """
    began = time.perf_counter()
    # Detection reads the whole recent history (after a large import, the longest single
    # piece of a pass), so it looks outside the writer's turn and only writes what it found.
    candidates = await (read or step)(partial(_find, now=now))
    detected = await step(partial(_add, candidates=candidates))
    report, ctx, rescoring = await step(partial(_housekeeping, now=now, detect=False))
    report["detected"] = detected
    after: Cursor | None = None
    done = 0
    limit = PROCESS_CHUNK
    while True:
        started = time.perf_counter()
        part, after = await step(
            partial(
                _process,
                now=now,
                limit=limit,
                after=after,
                ctx=ctx,
                waiting=report.get("remaining"),
            )
        )
        took = time.perf_counter() - started
        asked = limit
        if paced:
            limit = next_chunk_size(limit, part["signals"], took, low=100, high=2000)
        for key in COUNTS:
            report[key] = report.get(key, 0) + part[key]
        report["remaining"] = part["remaining"]
        done += part["signals"]
        if progress is not None:
            progress(done, done + part["remaining"])
        if part["signals"] < asked:
            break
    # The moves due when housekeeping looked, in steps; each step takes the next ones.
    while rescoring.remaining:
        rescoring = await step(
            partial(_rescore, now=now, limit=RESCORE_CHUNK, ctx=ctx, after=rescoring)
        )
        report["rescored"] += rescoring.rescored
    report["rescore_due"] = 0
    if ctx.tally:
        finished = now + timedelta(seconds=time.perf_counter() - began)
        await step(
            partial(
                agent_runs.record,
                tallies=ctx.tally,
                trigger=trigger,
                started_at=now,
                finished_at=finished,
            )
        )
    return report


async def run(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Housekeeping, then every unprocessed signal and every due rescore; the caller commits."""

    async def step(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await work(session)

    return await drive(step, now)
