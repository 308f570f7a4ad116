"""Drive documents: upserted by Drive's file id, a chunk in one statement.

A document is linked to a company when one of its owners is from outside (not free mail,
not the operator's own domains) and that company is already known: a shared proposal or
a customer's spec then shows with the customer. Companies are not created from owners.
A record that says the file was removed only marks a stored row trashed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import DocumentRecord
from daemon.domain.ingest.writer import Ingest, chunks, domain_of, upsert_into
from daemon.store.models import Company, Document

DOCUMENTS: Table = Document.__table__  # type: ignore[assignment]
FIELDS = ("name", "mime_type", "owners", "modified_at", "link", "trashed", "company_id")


async def documents(job: Ingest, s: AsyncSession, batch: Sequence[DocumentRecord]) -> None:
    if not batch:
        return
    recs = {r.drive_id: r for r in batch}  # the latest word on each file wins
    kept = {i: r for i, r in recs.items() if not r.removed}
    gone = sorted(i for i, r in recs.items() if r.removed)

    stored: set[str] = set()
    for part in chunks(sorted(kept)):
        rows = await s.execute(select(Document.drive_id).where(Document.drive_id.in_(part)))
        stored.update(rows.scalars().all())

    owner_domain: dict[str, str] = {}
    for drive_id, rec in kept.items():
        for owner in rec.owners:
            domain = job.company_domain(domain_of(owner))
            if domain:
                owner_domain[drive_id] = domain
                break
    unknown = sorted(set(owner_domain.values()) - set(job.company_ids))
    for part in chunks(unknown):
        found = await s.execute(select(Company.domain, Company.id).where(Company.domain.in_(part)))
        job.company_ids.update({domain: cid for domain, cid in found.all()})

    if kept:
        values: list[dict[str, Any]] = []
        for drive_id, rec in kept.items():
            domain = owner_domain.get(drive_id)
            values.append(
                {
                    "drive_id": drive_id,
                    "name": rec.name,
                    "mime_type": rec.mime_type,
                    "owners": list(rec.owners),
                    "modified_at": rec.modified_at,
                    "link": rec.link,
                    "trashed": rec.trashed,
                    "company_id": job.company_ids.get(domain) if domain else None,
                    "created_at": job.now,
                    "updated_at": job.now,
                }
            )
        stmt = upsert_into(s, DOCUMENTS)
        await s.execute(
            stmt.on_conflict_do_update(
                index_elements=["drive_id"],
                set_={f: stmt.excluded[f] for f in (*FIELDS, "updated_at")},
            ),
            values,
        )
        job.report.counts["documents"] += len(set(kept) - stored)
        for part in chunks(sorted(kept)):
            written = await s.scalars(select(Document.id).where(Document.drive_id.in_(part)))
            job.saw("document", written.all())
    for part in chunks(gone):
        await s.execute(
            update(DOCUMENTS)
            .where(DOCUMENTS.c.drive_id.in_(part))
            .values(trashed=True, updated_at=job.now)
        )
