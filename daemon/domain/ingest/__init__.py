"""Writing a connector's `SyncBatch` into a workspace: upserts by natural key, set-based.

`writer.Ingest` holds what one import or sync has learnt (ids by key) and the record kinds
every part shares; `crm`, `mail`, `calendar` and `documents` write their kinds of record;
signals that need history only the store has (`email.replied`, `deal.stage_changed`,
`task.completed`) are derived on the way. `same` finds the stored message or meeting a
HubSpot email or meeting is (and the other way round); every record a chunk brings notes the
chunk's source as one of its sources (`record_sources`); `deletions` forgets what a source
says is gone. The caller owns the transaction: one chunk, one transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import SyncBatch
from daemon.domain.ingest import calendar, crm, deletions, documents, mail, same
from daemon.domain.ingest.writer import FREE_MAIL, TASK_CLOSED, Ingest, IngestReport

__all__ = ["FREE_MAIL", "TASK_CLOSED", "Ingest", "IngestReport", "write_chunk"]


async def write_chunk(job: Ingest, session: AsyncSession, batch: SyncBatch) -> IngestReport:
    """Write one chunk of records and signals; returns what was new in it."""
    before = IngestReport()
    before.add(job.report)
    job.derived = []
    job.seen = {}
    signals = list(batch.signals)
    joined = same.Joined()
    await job.companies(session, batch.companies)
    await job.contacts_upsert(session, batch.contacts)
    await crm.deals(job, session, batch.deals)
    msgs = await same.messages(job, session, batch.messages, signals, joined)
    touched, message_ids = await mail.messages(job, session, msgs)
    meetings = await same.meetings(job, session, batch.meetings, signals, joined)
    meeting_ids = await calendar.meetings(job, session, meetings)
    for m in msgs:
        if m.external_ids:
            joined.messages[message_ids[m.message_id]] = m.external_ids
    for e in meetings:
        if e.external_ids:
            joined.meetings[meeting_ids[e.uid]] = e.external_ids
    await job.link(session, "message", joined.messages)
    await job.link(session, "meeting", joined.meetings)
    job.saw("message", joined.messages)
    job.saw("meeting", joined.meetings)
    await crm.tasks(job, session, batch.tasks)
    await crm.notes(job, session, batch.notes)
    await documents.documents(job, session, batch.documents)
    await job.signals(session, [*signals, *job.derived])
    await mail.derive_replied(job, session, touched)
    await job.record_sources(session)
    await deletions.forget(job, session, batch.gone)
    new = IngestReport()
    new.counts.update(job.report.counts)
    new.counts.subtract(before.counts)
    new.counts = +new.counts
    return new
