"""Today's Moves: statuses, transitions, dedup, moot-closing, snooze wake-up and expiry."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import Proposal, Resolution, SignalView
from daemon.domain.learning import Learned
from daemon.domain.scoring import ScoringConfig, ScoringError, score
from daemon.errors import Conflict, NotFound
from daemon.store.models import Move, MoveEvent, MoveSignal

log = logging.getLogger(__name__)

PENDING, ACCEPTED, DONE, DISMISSED = "pending", "accepted", "done", "dismissed"
SNOOZED, FAILED, EXPIRED, RESOLVED = "snoozed", "failed", "expired", "resolved"

OPEN = (PENDING, ACCEPTED, SNOOZED, FAILED)

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({ACCEPTED, DISMISSED, SNOOZED, EXPIRED, RESOLVED}),
    ACCEPTED: frozenset({DONE, SNOOZED, FAILED}),
    SNOOZED: frozenset({PENDING}),
    FAILED: frozenset({ACCEPTED, DISMISSED}),  # a failed action can be retried
    DONE: frozenset(),
    DISMISSED: frozenset(),
    EXPIRED: frozenset(),
    RESOLVED: frozenset(),
}

MOVE_TYPES = (
    "reply",
    "follow_up",
    "first_touch",
    "meeting_prep",
    "meeting_follow_up",
    "book_meeting",
    "deal_review",
    "send_proposal",
    "renewal",
    "check_in",
    "data_fix",
    "task",
)
# How long a pending move of each type stays worth doing; None keeps it until decided.
SHELF_LIFE: dict[str, timedelta | None] = {
    "reply": timedelta(days=14),
    "follow_up": timedelta(days=14),
    "meeting_prep": timedelta(days=2),
    "meeting_follow_up": timedelta(days=7),
    "deal_review": timedelta(days=21),
    "task": None,
}


def transition(move: Move, to: str, now: datetime, reason: str | None = None) -> MoveEvent:
    """Move to `to` or raise Conflict naming the transitions that are allowed."""
    allowed = TRANSITIONS[move.status]
    if to not in allowed:
        options = ", ".join(sorted(allowed)) if allowed else "nothing (it is final)"
        raise Conflict(f"move {move.id} is {move.status}; it can go to {options}, not {to}")
    event = MoveEvent(move_id=move.id, from_status=move.status, to_status=to, reason=reason, at=now)
    move.status = to
    move.status_reason = reason
    move.updated_at = now
    if to != SNOOZED:
        move.snoozed_until = None
    return event


async def get(session: AsyncSession, move_id: int) -> Move:
    move = await session.get(Move, move_id)
    if move is None:
        raise NotFound(f"no move with id {move_id}; see `caseyos queue today`", field="id")
    return move


async def change(
    session: AsyncSession, move: Move, to: str, now: datetime, reason: str | None = None
) -> None:
    session.add(transition(move, to, now, reason))


def expiry_for(move_type: str, created: datetime) -> datetime | None:
    life = SHELF_LIFE.get(move_type, timedelta(days=14))
    return created + life if life is not None else None


async def upsert(
    session: AsyncSession,
    agent: str,
    proposal: Proposal,
    now: datetime,
    cfg: ScoringConfig,
    learned: Learned,
) -> tuple[Move, bool]:
    """Add a proposal, or refresh the open move with the same dedup key.

    A move the operator already decided (done, dismissed) or that closed is left alone:
    re-proposing the same fact never resurrects it.
    """
    aps, breakdown = score(
        proposal.score_inputs,
        now,
        cfg,
        learned.for_move(agent, proposal.move_type, proposal.contact_id),
    )
    move = await session.scalar(select(Move).where(Move.dedup_key == proposal.dedup_key))
    created = move is None
    if move is None:
        move = Move(
            dedup_key=proposal.dedup_key,
            agent=agent,
            move_type=proposal.move_type,
            status=PENDING,
            created_at=now,
            expires_at=proposal.expires_at or expiry_for(proposal.move_type, now),
        )
        session.add(move)
    elif move.status not in OPEN:
        return move, False
    move.title = proposal.title[:255]
    move.why_now = proposal.why_now
    move.due_at = proposal.due_at
    move.score_inputs = proposal.score_inputs
    move.aps, move.aps_breakdown = aps, breakdown
    for ref in ("contact_id", "company_id", "deal_id", "thread_id", "meeting_id"):
        setattr(move, ref, getattr(proposal, ref))
    if proposal.prepared_action is not None:
        move.prepared_action = proposal.prepared_action
    if proposal.expires_at is not None:
        move.expires_at = proposal.expires_at
    move.updated_at = now
    await session.flush()
    if created:
        session.add(
            MoveEvent(
                move_id=move.id,
                from_status=None,
                to_status=PENDING,
                reason=f"proposed by {agent}",
                at=now,
            )
        )
    if proposal.signal_ids:
        linked = set(
            (
                await session.scalars(
                    select(MoveSignal.signal_id).where(MoveSignal.move_id == move.id)
                )
            ).all()
        )
        for sid in set(proposal.signal_ids) - linked:
            session.add(MoveSignal(move_id=move.id, signal_id=sid))
    return move, created


async def resolve(
    session: AsyncSession, agent: str, res: Resolution, signal: SignalView, now: datetime
) -> list[Move]:
    """Close this agent's pending moves that `signal` made moot."""
    if res.ref == "dedup_key_prefix":
        match = Move.dedup_key.startswith(str(res.value), autoescape=True)
    else:
        match = getattr(Move, res.ref) == res.value
    candidates = (
        await session.scalars(
            select(Move).where(
                Move.agent == agent,
                Move.move_type == res.move_type,
                match,
                Move.status == PENDING,
            )
        )
    ).all()
    # Only a later fact makes a move moot: importing old mail must not close today's moves.
    moves = [m for m in candidates if _fact_at(m) < signal.occurred_at]
    for move in moves:
        await change(session, move, RESOLVED, now, res.reason)
        session.add(MoveSignal(move_id=move.id, signal_id=signal.id))
    return moves


def _fact_at(move: Move) -> datetime:
    raw = (move.score_inputs or {}).get("fact_at")
    return datetime.fromisoformat(raw) if raw else move.created_at


async def wake(session: AsyncSession, now: datetime) -> list[Move]:
    moves = (
        await session.scalars(select(Move).where(Move.status == SNOOZED, Move.snoozed_until <= now))
    ).all()
    for move in moves:
        await change(session, move, PENDING, now, "snooze ended")
    return list(moves)


async def expire(session: AsyncSession, now: datetime) -> list[Move]:
    moves = (
        await session.scalars(
            select(Move).where(
                Move.status == PENDING, Move.expires_at.is_not(None), Move.expires_at <= now
            )
        )
    ).all()
    for move in moves:
        await change(session, move, EXPIRED, now, "past its shelf life")
    return list(moves)


async def rescore(
    session: AsyncSession, now: datetime, cfg: ScoringConfig, learned: Learned
) -> int:
    moves = (await session.scalars(select(Move).where(Move.status.in_(OPEN)))).all()
    broken = 0
    for move in moves:
        try:
            move.aps, move.aps_breakdown = score(
                move.score_inputs,
                now,
                cfg,
                learned.for_move(move.agent, move.move_type, move.contact_id),
            )
        except ScoringError:
            broken += 1  # keeps its last score; logged once per pass below
    if broken:
        log.warning("%d moves could not be rescored and keep their last score", broken)
    return len(moves) - broken


def today_parts(now: datetime, end_of_today: datetime) -> list[tuple[ColumnElement[bool], ...]]:
    """Today's two halves: pending moves due today or earlier, and snoozes whose time came."""
    return [
        (Move.status == PENDING, Move.due_at < end_of_today),
        (Move.status == SNOOZED, Move.snoozed_until <= now),
    ]


def today_filter(now: datetime, end_of_today: datetime) -> ColumnElement[bool]:
    return or_(*(and_(*part) for part in today_parts(now, end_of_today)))


async def today(
    session: AsyncSession, now: datetime, end_of_today: datetime, limit: int | None
) -> tuple[Sequence[Move], int]:
    """Today's moves by APS, then due time.

    Each half is fetched by its own index-driven query (status, aps) and the two are merged,
    instead of one OR that makes SQLite scan and sort the whole table.
    """
    order = (Move.aps.desc(), Move.due_at.asc(), Move.id)
    moves: list[Move] = []
    total = 0
    for cond in today_parts(now, end_of_today):
        total += await session.scalar(select(func.count()).select_from(Move).where(*cond)) or 0
        query = select(Move).where(*cond).order_by(*order)
        if limit:
            query = query.limit(limit)
        moves += (await session.scalars(query)).all()
    moves.sort(key=lambda m: (-m.aps, m.due_at, m.id))
    return (moves[:limit] if limit else moves), int(total)
