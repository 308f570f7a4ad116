"""Where a record came from: the sources (connectors) that brought it, first seen first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import Message, RecordSource

# A record's `show` names it by the column its moves and signals point at it with.
ENTITY_OF = {
    "contact_id": "contact",
    "company_id": "company",
    "deal_id": "deal",
    "meeting_id": "meeting",
}


@dataclass(frozen=True)
class Source:
    source: str
    first_seen_at: datetime
    last_seen_at: datetime


async def of_record(session: AsyncSession, column: str, record_id: int) -> list[Source]:
    """The sources of the record a `show` is about; a thread's are its messages'."""
    if column == "thread_id":
        messages = select(Message.id).where(Message.thread_id == record_id)
        query = (
            select(
                RecordSource.source,
                func.min(RecordSource.first_seen_at),
                func.max(RecordSource.last_seen_at),
            )
            .where(RecordSource.entity == "message", RecordSource.entity_id.in_(messages))
            .group_by(RecordSource.source)
        )
    else:
        query = select(
            RecordSource.source, RecordSource.first_seen_at, RecordSource.last_seen_at
        ).where(RecordSource.entity == ENTITY_OF[column], RecordSource.entity_id == record_id)
    rows = (await session.execute(query)).all()
    found = [Source(source, _aware(first), _aware(last)) for source, first, last in rows]
    return sorted(found, key=lambda s: (s.first_seen_at, s.source))


def _aware(value: datetime) -> datetime:
    # Aggregates may come back through the driver rather than the column type: naive UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
