"""CRM records: deals (with stage changes), tasks (with completions) and notes."""

from __future__ import annotations

from connectors.base import ContactRecord, SignalRecord, SyncBatch
from daemon.domain.ingest.writer import TASK_CLOSED, Writer
from daemon.store.models import CrmTask, Deal, DealContact, Note


async def deals(job: Writer, batch: SyncBatch) -> None:
    for rec in batch.deals:
        row, created = await job.linked_row(
            "deal",
            rec.external_id,
            Deal(
                name=rec.name,
                pipeline=rec.pipeline,
                stage=rec.stage,
                currency=rec.currency,
                created_at=rec.created_at or job.now,
                updated_at=job.now,
            ),
            "deals",
        )
        if not created and row.stage != rec.stage:
            job.derived.append(
                SignalRecord(
                    kind="deal.stage_changed",
                    occurred_at=rec.stage_entered_at or job.now,
                    dedup_key=f"deal.stage_changed:{rec.external_id}:{rec.stage}",
                    payload={"deal": rec.name, "from": row.stage, "to": rec.stage},
                    deal_external_id=rec.external_id,
                    company_domain=rec.company_domain,
                )
            )
        row.name, row.pipeline, row.stage = rec.name, rec.pipeline, rec.stage
        row.amount, row.currency, row.close_date = rec.amount, rec.currency, rec.close_date
        row.stage_entered_at = rec.stage_entered_at or row.stage_entered_at or row.created_at
        row.last_activity_at = rec.last_activity_at or row.last_activity_at
        row.updated_at = job.now
        company = await job.company_for(rec.company_domain) if rec.company_domain else None
        if company is not None:
            await job.s.flush()
            row.company_id = company.id
        for email in rec.contact_emails:
            contact = await job.contact(ContactRecord(email=email))
            await job.s.flush()
            if await job.s.get(DealContact, (row.id, contact.id)) is None:
                job.s.add(DealContact(deal_id=row.id, contact_id=contact.id))
            if row.company_id is None and contact.company_id is not None:
                row.company_id = contact.company_id


async def tasks(job: Writer, batch: SyncBatch) -> None:
    for rec in batch.tasks:
        row, created = await job.linked_row(
            "task",
            rec.external_id,
            CrmTask(
                title=rec.title,
                status=rec.status,
                created_at=rec.created_at or job.now,
                updated_at=job.now,
            ),
            "tasks",
        )
        if not created and row.status != rec.status and rec.status in TASK_CLOSED:
            job.derived.append(
                SignalRecord(
                    kind="task.completed",
                    occurred_at=rec.completed_at or job.now,
                    dedup_key=f"task.completed:{rec.external_id}:{rec.status}",
                    payload={"task_id": row.id, "title": rec.title, "status": rec.status},
                )
            )
        row.title, row.status, row.priority = rec.title, rec.status, rec.priority
        row.body, row.owner, row.due_at = rec.body, rec.owner, rec.due_at
        row.completed_at = rec.completed_at
        row.updated_at = job.now
        refs = await job.associations(rec.contact_emails, rec.company_domain, rec.deal_external_id)
        row.contact_id, row.company_id = refs["contact_id"], refs["company_id"]
        row.deal_id = refs["deal_id"]


async def notes(job: Writer, batch: SyncBatch) -> None:
    for rec in batch.notes:
        row, _ = await job.linked_row(
            "note",
            rec.external_id,
            Note(body=rec.body, created_at=rec.created_at, updated_at=job.now),
            "notes",
        )
        row.body, row.owner, row.updated_at = rec.body, rec.owner, job.now
        refs = await job.associations(rec.contact_emails, rec.company_domain, rec.deal_external_id)
        row.contact_id, row.company_id = refs["contact_id"], refs["company_id"]
        row.deal_id = refs["deal_id"]
