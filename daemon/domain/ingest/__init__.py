"""Writing a connector's `SyncBatch` into a workspace: upserts by natural key, set-based.

`writer.Ingest` holds what one import or sync has learnt (ids by key) and the record kinds
every part shares; `crm`, `mail`, `calendar` and `documents` write their kinds of record;
signals that need history only the store has (`email.replied`, `deal.stage_changed`,
`task.completed`) are derived on the way; `deletions` forgets what a source says is gone.
The caller owns the transaction: one chunk, one transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import SyncBatch
from daemon.domain.ingest import calendar, crm, deletions, documents, mail
from daemon.domain.ingest.writer import FREE_MAIL, TASK_CLOSED, Ingest, IngestReport

__all__ = ["FREE_MAIL", "TASK_CLOSED", "Ingest", "IngestReport", "write_chunk"]


async def write_chunk(job: Ingest, session: AsyncSession, batch: SyncBatch) -> IngestReport:
    """Write one chunk of records and signals; returns what was new in it."""
    before = IngestReport()
    before.add(job.report)
    job.derived = []
    await job.companies(session, batch.companies)
    await job.contacts_upsert(session, batch.contacts)
    await crm.deals(job, session, batch.deals)
    touched = await mail.messages(job, session, batch.messages)
    await calendar.meetings(job, session, batch.meetings)
    await crm.tasks(job, session, batch.tasks)
    await crm.notes(job, session, batch.notes)
    await documents.documents(job, session, batch.documents)
    await job.signals(session, [*batch.signals, *job.derived])
    await mail.derive_replied(job, session, touched)
    await deletions.forget(job, session, batch.gone)
    new = IngestReport()
    new.counts.update(job.report.counts)
    new.counts.subtract(before.counts)
    new.counts = +new.counts
    return new
