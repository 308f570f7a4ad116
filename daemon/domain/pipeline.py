"""One pass from signals to moves: detect, resolve, propose, wake, expire, rescore."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents import enabled_agents
from agents.base import SignalView
from daemon.domain import detectors, learning, queue, settings
from daemon.domain.facts import StoreFacts
from daemon.domain.scoring import ScoringConfig, ScoringError
from daemon.store.models import Signal

log = logging.getLogger(__name__)


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


async def housekeeping(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Time-based signals, snooze wake-ups, expiry and rescoring; the caller commits."""
    tz = await settings.timezone(session)
    detected = await detectors.detect(session, now, tz)
    woken = len(await queue.wake(session, now))
    expired = len(await queue.expire(session, now))
    cfg = await scoring_config(session)
    learned = await learning.load(session, now)
    rescored = await queue.rescore(session, now, cfg, learned)
    return {"detected": detected, "woken": woken, "expired": expired, "rescored": rescored}


async def process(session: AsyncSession, now: datetime, limit: int) -> dict[str, Any]:
    """Resolve and propose for up to `limit` waiting signals, oldest first; the caller commits."""
    rows = (
        await session.scalars(
            select(Signal)
            .where(Signal.processed_at.is_(None))
            .order_by(Signal.occurred_at, Signal.id)
            .limit(limit)
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
    tz = await settings.timezone(session)
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
    await session.flush()
    remaining = await session.scalar(
        select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
    )
    return {
        "failed_agents": len(set(failed)),
        "signals": len(signals),
        "proposed": created,
        "updated": updated,
        "resolved": resolved,
        # A failing agent keeps its chunk waiting; do not spin on it within one pass.
        "remaining": int(remaining or 0) if not failed else 0,
    }


async def run(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Housekeeping and every waiting signal, in one transaction the caller commits."""
    report = await housekeeping(session, now)
    while True:
        step = await process(session, now, 1000)
        for key, value in step.items():
            if key != "remaining":
                report[key] = report.get(key, 0) + value
        if not step["remaining"] or not step["signals"]:
            return report
