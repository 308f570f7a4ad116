"""The signal rows detectors make, and writing the new ones.

`signal_row` is the row of a `clock` signal; `unseen` tells which dedup keys no signal has
yet, so a detector checks a whole set of candidates in one query; `add_new` writes the
candidates no signal stands for yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain.queue import chunks
from daemon.store.models import Signal


def signal_row(
    now: datetime,
    kind: str,
    key: str,
    at: datetime,
    payload: dict[str, object],
    **refs: int | None,
) -> dict[str, Any]:
    """A signal row; the columns a detector leaves out are NULL."""
    row: dict[str, Any] = dict.fromkeys(
        ("contact_id", "company_id", "deal_id", "thread_id", "meeting_id", "processed_at")
    )
    row.update(
        kind=kind,
        source="clock",
        occurred_at=at,
        dedup_key=key,
        payload=payload,
        created_at=now,
        **refs,
    )
    return row


async def unseen(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The dedup keys no signal has yet: one query per IN_CHUNK keys."""
    wanted = set(keys)
    for chunk in chunks(sorted(wanted)):
        wanted.difference_update(
            await session.scalars(select(Signal.dedup_key).where(Signal.dedup_key.in_(chunk)))
        )
    return wanted


async def add_new(session: AsyncSession, candidates: Iterable[dict[str, Any]]) -> int:
    """Add the candidates whose dedup key no signal has yet, in order; returns how many."""
    rows = list(candidates)
    fresh = await unseen(session, (s["dedup_key"] for s in rows))
    new = []
    for sig in rows:
        if sig["dedup_key"] in fresh:
            fresh.discard(sig["dedup_key"])
            new.append(sig)
    # After a long time away there can be thousands: insert them in slices and let the
    # event loop serve clients in between.
    for part in chunks(new):
        await session.execute(insert(Signal), list(part))
        await asyncio.sleep(0)
    return len(new)
