"""What points at a record: its moves (open ones first) and its signals (newest first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import Move, Signal

OPEN = ("pending", "snoozed", "accepted")
SHOWN = 10


@dataclass(frozen=True)
class Linked:
    moves: Sequence[Move]
    moves_total: int
    signals: Sequence[Signal]
    signals_total: int


async def linked(session: AsyncSession, column: str, record_id: int, shown: int = SHOWN) -> Linked:
    """The moves and signals whose `column` (contact_id, deal_id, ...) is this record."""
    move_col: Any = getattr(Move, column)
    signal_col: Any = getattr(Signal, column)
    open_first = case((Move.status.in_(OPEN), 0), else_=1)
    moves = (
        await session.scalars(
            select(Move)
            .where(move_col == record_id)
            .order_by(open_first, Move.updated_at.desc(), Move.id.desc())
            .limit(shown)
        )
    ).all()
    signals = (
        await session.scalars(
            select(Signal)
            .where(signal_col == record_id)
            .order_by(Signal.occurred_at.desc(), Signal.id.desc())
            .limit(shown)
        )
    ).all()
    counts = (
        await session.execute(
            select(
                select(func.count()).where(move_col == record_id).scalar_subquery(),
                select(func.count()).where(signal_col == record_id).scalar_subquery(),
            )
        )
    ).one()
    return Linked(moves, int(counts[0]), signals, int(counts[1]))
