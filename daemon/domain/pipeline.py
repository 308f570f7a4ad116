"""One pass from signals to moves: detect, resolve, propose, wake, expire, rescore."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents import enabled_agents
from agents.base import SignalView
from daemon.domain import detectors, learning, queue, settings
from daemon.domain.facts import StoreFacts
from daemon.domain.scoring import ScoringConfig, ScoringError
from daemon.store.models import Signal

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from daemon.state import DaemonState
    from daemon.workspaces import Workspace


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


async def run(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Process every unprocessed signal and refresh the queue; the caller commits."""
    tz = await settings.timezone(session)
    detected = await detectors.detect(session, now, tz)
    rows = (
        await session.scalars(
            select(Signal)
            .where(Signal.processed_at.is_(None))
            .order_by(Signal.occurred_at, Signal.id)
        )
    ).all()
    signals = [view(s) for s in rows]
    disabled = set(await settings.get(session, "agents.disabled") or [])
    agents = enabled_agents(disabled)

    resolved = 0
    for sig in signals:
        for agent in agents:
            for res in agent.resolutions(sig):
                resolved += len(await queue.resolve(session, agent.name, res, sig, now))

    cfg = await scoring_config(session)
    learned = await learning.load(session, now)
    facts = StoreFacts(session, now, tz, await settings.operator(session))
    created = updated = 0
    failed: list[str] = []
    for agent in agents:
        mine = [s for s in signals if s.kind in agent.consumes]
        if not mine:
            continue
        # One broken agent must not stop the others, nor the queue's housekeeping.
        try:
            proposals = await agent.propose(mine, facts)
        except Exception:
            log.exception("agent %s failed; its signals are retried on the next run", agent.name)
            failed.append(agent.name)
            continue
        for proposal in proposals:
            try:
                _, is_new = await queue.upsert(session, agent.name, proposal, now, cfg, learned)
            except ScoringError:
                log.exception("agent %s proposed a move that cannot be scored", agent.name)
                failed.append(agent.name)
                continue
            created += is_new
            updated += not is_new
    if not failed:
        for row in rows:
            row.processed_at = now
    woken = len(await queue.wake(session, now))
    expired = len(await queue.expire(session, now))
    rescored = await queue.rescore(session, now, cfg, learned)
    return {
        "failed_agents": len(set(failed)),
        "detected": detected,
        "signals": len(signals),
        "proposed": created,
        "updated": updated,
        "resolved": resolved,
        "woken": woken,
        "expired": expired,
        "rescored": rescored,
    }


async def run_in_workspace(state: DaemonState, ws: Workspace) -> dict[str, Any]:
    """A pipeline pass as its own write transaction, publishing what changed."""
    async with ws.transaction() as session:
        report = await run(session, state.clock.now())
    changed = {k: v for k, v in report.items() if k != "rescored" and v}
    if changed:
        state.bus.publish("queue.changed", {"workspace": ws.name, **report})
    return report
