"""Records a source says are gone (HubSpot archived them): forgotten here, moves resolved.

What a record is known by in that system (its `external_ids` row) is dropped first. A deal,
task or note exists only as a CRM record, so it is deleted with it. A contact or company
can be known otherwise (a correspondent in the mail, an attendee, another system's id, a
company whose contacts or deals remain), and then only the CRM's claim on it goes; with
nothing else holding it, it is deleted too. Open moves (pending or snoozed) about a deleted
record are resolved, with the reason, rather than left pointing at nothing; a move the
operator accepted stays theirs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import GoneRecord
from daemon.domain.ingest.writer import Ingest, chunks
from daemon.domain.queue import resolve_gone
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    ExternalId,
    MeetingAttendee,
    Message,
    Note,
    RecordSource,
)

TABLES: dict[str, type[Deal | CrmTask | Note | Contact | Company]] = {
    "deal": Deal,
    "task": CrmTask,
    "note": Note,
    "contact": Contact,
    "company": Company,
}
SYSTEM_NAMES = {"hubspot": "HubSpot"}


async def forget(job: Ingest, s: AsyncSession, gone: Sequence[GoneRecord]) -> None:
    """Forget every record in `gone` (see the module docstring)."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in gone:
        if record.entity in TABLES:
            wanted[(record.system, record.entity)].add(record.external_id)
    # Dependants first: a deal goes before the company it might have kept.
    for entity in ("note", "task", "deal", "contact", "company"):
        for (system, kind), external in wanted.items():
            if kind != entity:
                continue
            ids = await _unlink(s, system, entity, sorted(external))
            await _unsource(s, system, entity, ids)
            if entity in ("contact", "company"):
                ids = await _unheld(s, entity, ids)
            if ids:
                reason = f"deleted in {SYSTEM_NAMES.get(system, system)}"
                await _delete(job, s, entity, ids, reason, job.now)


async def _unlink(s: AsyncSession, system: str, entity: str, external: list[str]) -> list[int]:
    """Drop the system's ids for these records; our ids of the records they named."""
    ids: set[int] = set()
    for part in chunks(external):
        where = and_(
            ExternalId.connector == system,
            ExternalId.entity == entity,
            ExternalId.external_id.in_(part),
        )
        ids.update((await s.scalars(select(ExternalId.entity_id).where(where))).all())
        await s.execute(delete(ExternalId).where(where))
    return sorted(ids)


async def _unsource(s: AsyncSession, system: str, entity: str, ids: list[int]) -> None:
    """The system is no longer one of these records' sources."""
    for part in chunks(ids):
        await s.execute(
            delete(RecordSource).where(
                RecordSource.entity == entity,
                RecordSource.source == system,
                RecordSource.entity_id.in_(part),
            )
        )


async def _unheld(s: AsyncSession, entity: str, ids: list[int]) -> list[int]:
    """Those of `ids` nothing else holds (see the module docstring)."""
    free: list[int] = []
    for part in chunks(ids):
        if entity == "contact":
            held = or_(
                exists().where(ExternalId.entity == "contact", ExternalId.entity_id == Contact.id),
                exists().where(Message.contact_id == Contact.id),
                exists().where(MeetingAttendee.contact_id == Contact.id),
            )
            query = select(Contact.id).where(Contact.id.in_(part), ~held)
        else:
            held = or_(
                exists().where(ExternalId.entity == "company", ExternalId.entity_id == Company.id),
                exists().where(Contact.company_id == Company.id),
                exists().where(Deal.company_id == Company.id),
            )
            query = select(Company.id).where(Company.id.in_(part), ~held)
        free += (await s.scalars(query)).all()
    return free


async def _delete(
    job: Ingest, s: AsyncSession, entity: str, ids: list[int], reason: str, now: datetime
) -> None:
    table = TABLES[entity]
    for part in chunks(ids):
        await resolve_gone(s, entity, part, reason, now)
        await s.execute(delete(table).where(table.id.in_(part)))
    job.evict(entity, ids)
    job.report.counts[f"{entity}s_deleted"] += len(ids)
