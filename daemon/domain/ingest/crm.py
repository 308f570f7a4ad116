"""CRM records: deals (with stage changes), tasks (with completions) and notes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import ContactRecord, DealRecord, NoteRecord, SignalRecord, TaskRecord
from daemon.domain.ingest.writer import TASK_CLOSED, Ingest, chunks
from daemon.store.models import CrmTask, Deal, DealContact, Note

DEALS: Table = Deal.__table__  # type: ignore[assignment]
TASKS: Table = CrmTask.__table__  # type: ignore[assignment]
NOTES: Table = Note.__table__  # type: ignore[assignment]
DEAL_CONTACTS: Table = DealContact.__table__  # type: ignore[assignment]


async def _linked_rows(
    job: Ingest,
    s: AsyncSession,
    entity: str,
    table: Table,
    external_ids: Iterable[str],
    keep: Sequence[str],
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Rows this connector knows by external id: our id per external id, and for rows that
    exist, their `keep` columns as stored now (to see what a write changes)."""
    ids = await job.linked_ids(s, entity, external_ids)
    before: dict[str, dict[str, Any]] = {}
    by_id = {v: k for k, v in ids.items()}
    for part in chunks(sorted(by_id)):
        result = await s.execute(
            select(table.c.id, *(table.c[c] for c in keep)).where(table.c.id.in_(part))
        )
        for row in result.mappings():
            before[by_id[row["id"]]] = dict(row)
    return ids, before


async def _write_linked(
    job: Ingest,
    s: AsyncSession,
    entity: str,
    table: Table,
    rows: dict[str, dict[str, Any]],
    ids: dict[str, int],
    before: dict[str, dict[str, Any]],
) -> dict[str, int]:
    """Insert the rows not in `before`, update the others; returns our id per external id."""
    ids = dict(ids)
    # An external id whose row was deleted locally is written anew.
    new_ext = [ext for ext in rows if ext not in before]
    if new_ext:
        result = await s.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [rows[ext] for ext in new_ext],
        )
        created = dict(zip(new_ext, result.scalars().all(), strict=True))
        ids.update(created)
        await job.link(s, entity, {rid: {job.id_system: ext} for ext, rid in created.items()})
        job.report.counts[f"{entity}s"] += len(created)
    old_ext = [ext for ext in rows if ext in before]
    if old_ext:
        columns = [c for c in rows[old_ext[0]] if c != "created_at"]
        await s.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}", type_=table.c[c].type) for c in columns}),
            [{"b_id": ids[ext], **{f"b_{c}": rows[ext][c] for c in columns}} for ext in old_ext],
        )
    job.saw(entity, (ids[ext] for ext in rows))
    return ids


async def _people(job: Ingest, s: AsyncSession, emails: set[str], domains: set[str | None]) -> None:
    await job.companies(s, implied={d.lower(): None for d in domains if d})
    await job.contacts_upsert(s, [ContactRecord(email=e) for e in sorted(emails)])


async def deals(job: Ingest, s: AsyncSession, batch: Sequence[DealRecord]) -> None:
    if not batch:
        return
    recs = {r.external_id: r for r in batch}
    await _people(
        job,
        s,
        {e.lower() for r in recs.values() for e in r.contact_emails},
        {r.company_domain for r in recs.values()},
    )
    existing, prior = await _linked_rows(
        job,
        s,
        "deal",
        DEALS,
        recs,
        ("stage", "stage_entered_at", "created_at", "last_activity_at", "company_id"),
    )
    rows: dict[str, dict[str, Any]] = {}
    for ext, rec in recs.items():
        old = prior.get(ext)
        company_id = None
        domain = job.company_domain(rec.company_domain)
        if domain:
            company_id = job.company_ids.get(domain)
        if company_id is None:
            # A deal without a company takes the first contact's that has one.
            for email in rec.contact_emails:
                ref = job.contacts.get(email.lower())
                if ref and ref.company_id:
                    company_id = ref.company_id
                    break
        if company_id is None and old is not None:
            company_id = old["company_id"]
        created_at = rec.created_at or job.now
        entered = rec.stage_entered_at
        if entered is None and old is not None:
            entered = old["stage_entered_at"] or old["created_at"]
        rows[ext] = {
            "name": rec.name,
            "pipeline": rec.pipeline,
            "stage": rec.stage,
            "amount": rec.amount,
            "currency": rec.currency,
            "close_date": rec.close_date,
            "company_id": company_id,
            "stage_entered_at": entered or created_at,
            "last_activity_at": rec.last_activity_at or (old or {}).get("last_activity_at"),
            "created_at": created_at,
            "updated_at": job.now,
        }
        if old is not None and old["stage"] != rec.stage:
            job.derived.append(
                SignalRecord(
                    kind="deal.stage_changed",
                    occurred_at=rec.stage_entered_at or job.now,
                    dedup_key=f"deal.stage_changed:{ext}:{rec.stage}",
                    payload={"deal": rec.name, "from": old["stage"], "to": rec.stage},
                    deal_external_id=ext,
                    company_domain=rec.company_domain,
                )
            )
    ids = await _write_linked(job, s, "deal", DEALS, rows, existing, prior)
    pairs = {
        (ids[ext], job.contacts[e.lower()].id)
        for ext, rec in recs.items()
        for e in rec.contact_emails
        if e.lower() in job.contacts
    }
    known: set[tuple[int, int]] = set()
    for part in chunks(sorted({d for d, _ in pairs})):
        linked = await s.execute(
            select(DealContact.deal_id, DealContact.contact_id).where(DealContact.deal_id.in_(part))
        )
        known.update((d, c) for d, c in linked.all())
    new = [{"deal_id": d, "contact_id": c} for d, c in sorted(pairs - known)]
    if new:
        await s.execute(insert(DEAL_CONTACTS), new)


async def _refs(
    job: Ingest,
    s: AsyncSession,
    recs: Sequence[TaskRecord] | Sequence[NoteRecord],
) -> list[dict[str, int | None]]:
    """Contact, company and deal ids for activities (the first contact is the one kept)."""
    await _people(
        job,
        s,
        {r.contact_emails[0].lower() for r in recs if r.contact_emails},
        {r.company_domain for r in recs},
    )
    deal_ids = await job.linked_ids(s, "deal", {r.deal_external_id for r in recs})
    out = []
    for rec in recs:
        contact = job.contacts.get(rec.contact_emails[0].lower()) if rec.contact_emails else None
        domain = job.company_domain(rec.company_domain)
        company_id = job.company_ids.get(domain) if domain else None
        if company_id is None and contact is not None:
            company_id = contact.company_id
        out.append(
            {
                "contact_id": contact.id if contact else None,
                "company_id": company_id,
                "deal_id": deal_ids.get(rec.deal_external_id or ""),
            }
        )
    return out


A = TypeVar("A", TaskRecord, NoteRecord)


async def _activities(
    job: Ingest,
    s: AsyncSession,
    entity: str,
    table: Table,
    batch: Sequence[A],
    values: Callable[[A], dict[str, Any]],
    keep: Sequence[str] = (),
) -> tuple[list[A], dict[str, int], dict[str, dict[str, Any]]]:
    """Tasks or notes: one per external id, linked to contact, company and deal, upserted."""
    recs = list({r.external_id: r for r in batch}.values())
    refs = await _refs(job, s, recs)
    rows = {
        rec.external_id: {**values(rec), **ref, "updated_at": job.now}
        for rec, ref in zip(recs, refs, strict=True)
    }
    ids, before = await _linked_rows(job, s, entity, table, rows, keep)
    return recs, await _write_linked(job, s, entity, table, rows, ids, before), before


async def tasks(job: Ingest, s: AsyncSession, batch: Sequence[TaskRecord]) -> None:
    if not batch:
        return

    def values(rec: TaskRecord) -> dict[str, Any]:
        return {
            "title": rec.title,
            "status": rec.status,
            "priority": rec.priority,
            "body": rec.body,
            "owner": rec.owner,
            "due_at": rec.due_at,
            "completed_at": rec.completed_at,
            "created_at": rec.created_at or job.now,
        }

    recs, ids, before = await _activities(job, s, "task", TASKS, batch, values, ("status",))
    for rec in recs:
        old = before.get(rec.external_id)
        if old is not None and old["status"] != rec.status and rec.status in TASK_CLOSED:
            job.derived.append(
                SignalRecord(
                    kind="task.completed",
                    occurred_at=rec.completed_at or job.now,
                    dedup_key=f"task.completed:{rec.external_id}:{rec.status}",
                    payload={
                        "task_id": ids[rec.external_id],
                        "title": rec.title,
                        "status": rec.status,
                    },
                )
            )


async def notes(job: Ingest, s: AsyncSession, batch: Sequence[NoteRecord]) -> None:
    if not batch:
        return

    def values(rec: NoteRecord) -> dict[str, Any]:
        return {"body": rec.body, "owner": rec.owner, "created_at": rec.created_at}

    await _activities(job, s, "note", NOTES, batch, values)
