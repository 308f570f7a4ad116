"""Writing a connector's `SyncBatch` into a workspace: upserts by natural key, one transaction.

`writer` holds the caches and the record upserts every part shares; `crm`, `mail` and
`calendar` write their kinds of record; signals that need history only the store has
(`email.replied`, `deal.stage_changed`, `task.completed`) are derived on the way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import OperatorIdentity, SyncBatch
from daemon.domain.ingest import calendar, crm, mail
from daemon.domain.ingest.writer import FREE_MAIL, TASK_CLOSED, IngestReport, Writer

__all__ = ["FREE_MAIL", "TASK_CLOSED", "IngestReport", "ingest"]


async def ingest(
    session: AsyncSession, batch: SyncBatch, operator: OperatorIdentity, now: datetime
) -> IngestReport:
    """Write a batch; the caller owns the transaction, so all of it lands or none does."""
    job = Writer(session, operator, now, batch.source)
    await job.load()
    for company in batch.companies:
        await job.company(company)
    for contact in batch.contacts:
        await job.contact(contact)
    await crm.deals(job, batch)
    await mail.messages(job, batch)
    await calendar.meetings(job, batch)
    await crm.tasks(job, batch)
    await crm.notes(job, batch)
    await session.flush()
    for rec in sorted([*batch.signals, *job.derived], key=lambda r: r.occurred_at):
        row = await job.signal(rec)
        if row is not None and row.kind == "email.received":
            await mail.derive_replied(job, row, rec)
    return job.report
