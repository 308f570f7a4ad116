"""The record writer: caches, upserts of companies and contacts, external ids, signals.

Records are merged by natural key (company domain, contact email, deal external id per
connector), so the same person known to two connectors is one contact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import (
    CompanyRecord,
    ContactRecord,
    OperatorIdentity,
    SignalRecord,
)
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    ExternalId,
    Meeting,
    Note,
    Signal,
    Thread,
)

TASK_CLOSED = frozenset({"COMPLETED", "DEFERRED"})
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "fastmail.com",
    ]
)


@dataclass
class IngestReport:
    counts: Counter[str] = field(default_factory=Counter)
    new_signal_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return dict(self.counts)


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def is_automated(labels: list[str]) -> bool:
    return "automated" in labels


def latest(current: datetime | None, candidate: datetime) -> datetime:
    """The later of a stored "last seen" time and a new one (imports arrive in any order)."""
    return candidate if current is None or candidate > current else current


R = TypeVar("R", CrmTask, Deal, Note)


class Writer:
    """Upserts records by natural key, holding the caches one batch needs."""

    def __init__(
        self, session: AsyncSession, operator: OperatorIdentity, now: datetime, source: str
    ):
        self.s = session
        self.op = operator
        self.now = now
        self.source = source
        self.report = IngestReport()
        self.companies: dict[str, Company] = {}
        self.contacts: dict[str, Contact] = {}
        self.threads: dict[str, Thread] = {}
        self.derived: list[SignalRecord] = []

    async def load(self) -> None:
        self.companies = {c.domain: c for c in (await self.s.scalars(select(Company))).all()}
        self.contacts = {c.email: c for c in (await self.s.scalars(select(Contact))).all()}
        self.threads = {t.thread_key: t for t in (await self.s.scalars(select(Thread))).all()}

    async def _external_id(self, entity: str, entity_id: int, ext: dict[str, str]) -> None:
        for connector, value in ext.items():
            found = await self.s.scalar(
                select(ExternalId).where(
                    ExternalId.connector == connector,
                    ExternalId.entity == entity,
                    ExternalId.external_id == value,
                )
            )
            if found is None:
                self.s.add(
                    ExternalId(
                        entity=entity, entity_id=entity_id, connector=connector, external_id=value
                    )
                )

    async def company(self, rec: CompanyRecord) -> Company:
        domain = rec.domain.lower()
        row = self.companies.get(domain)
        if row is None:
            row = Company(
                domain=domain, name=rec.name or domain, created_at=self.now, updated_at=self.now
            )
            self.s.add(row)
            self.companies[domain] = row
            self.report.counts["companies"] += 1
        for attr in ("industry", "size", "tier"):
            value = getattr(rec, attr)
            if value is not None:
                setattr(row, attr, value)
        if rec.name:
            row.name = rec.name
        row.updated_at = self.now
        if rec.external_ids:
            await self.s.flush()
            await self._external_id("company", row.id, rec.external_ids)
        return row

    async def company_for(self, domain: str | None, name: str | None = None) -> Company | None:
        if not domain or domain in FREE_MAIL or self.op.is_internal(f"x@{domain}"):
            return None
        existing = self.companies.get(domain)
        if existing is not None and not name:
            return existing
        guess = name or domain.split(".")[0].replace("-", " ").title()
        return await self.company(CompanyRecord(domain=domain, name=guess))

    async def contact(self, rec: ContactRecord) -> Contact:
        email = rec.email.lower()
        row = self.contacts.get(email)
        if row is None:
            row = Contact(
                email=email,
                starred=False,
                created_at=rec.created_at or self.now,
                updated_at=self.now,
            )
            self.s.add(row)
            self.contacts[email] = row
            self.report.counts["contacts"] += 1
        for attr in ("name", "title", "phone", "lifecycle_stage", "owner"):
            value = getattr(rec, attr)
            if value:
                setattr(row, attr, value)
        company = await self.company_for(rec.company_domain or domain_of(email), rec.company_name)
        if company is not None:
            await self.s.flush()
            row.company_id = company.id
        row.updated_at = self.now
        if rec.external_ids:
            await self.s.flush()
            await self._external_id("contact", row.id, rec.external_ids)
        return row

    async def correspondent(self, email: str, name: str | None) -> Contact | None:
        """The contact behind an external address seen in mail or on a calendar."""
        email = email.lower()
        if not email or self.op.is_internal(email):
            return None
        row = self.contacts.get(email)
        if row is not None:
            if name and not row.name:
                row.name = name
            return row
        return await self.contact(ContactRecord(email=email, name=name))

    async def linked(self, entity: str, external_id: str | None) -> int | None:
        """Our id for a record this connector knows by `external_id`."""
        if not external_id:
            return None
        return await self.s.scalar(
            select(ExternalId.entity_id).where(
                ExternalId.connector == self.source,
                ExternalId.entity == entity,
                ExternalId.external_id == external_id,
            )
        )

    async def linked_row(self, entity: str, external_id: str, new: R, count: str) -> tuple[R, bool]:
        """The row this connector knows by `external_id`; else `new`, added and linked."""
        found = await self.linked(entity, external_id)
        row = await self.s.get(type(new), found) if found else None
        if row is not None:
            return row, False
        self.s.add(new)
        await self.s.flush()
        self.s.add(
            ExternalId(
                entity=entity, entity_id=new.id, connector=self.source, external_id=external_id
            )
        )
        self.report.counts[count] += 1
        return new, True

    async def associations(
        self, emails: list[str], domain: str | None, deal_external_id: str | None
    ) -> dict[str, int | None]:
        """Contact, company and deal ids for an activity (the first contact is the one kept)."""
        contact = await self.contact(ContactRecord(email=emails[0])) if emails else None
        company = await self.company_for(domain) if domain else None
        await self.s.flush()
        return {
            "contact_id": contact.id if contact else None,
            "company_id": company.id if company else (contact.company_id if contact else None),
            "deal_id": await self.linked("deal", deal_external_id),
        }

    async def signal(self, rec: SignalRecord) -> Signal | None:
        exists = await self.s.scalar(select(Signal.id).where(Signal.dedup_key == rec.dedup_key))
        if exists is not None:
            return None
        refs: dict[str, Any] = {}
        if rec.contact_email:
            c = self.contacts.get(rec.contact_email.lower())
            refs["contact_id"] = c.id if c else None
            if c is not None:
                refs["company_id"] = c.company_id
        if rec.company_domain and rec.company_domain in self.companies:
            refs["company_id"] = self.companies[rec.company_domain].id
        if rec.thread_key and rec.thread_key in self.threads:
            refs["thread_id"] = self.threads[rec.thread_key].id
        if rec.meeting_uid:
            refs["meeting_id"] = await self.s.scalar(
                select(Meeting.id).where(Meeting.uid == rec.meeting_uid)
            )
        if rec.deal_external_id:
            refs["deal_id"] = await self.linked("deal", rec.deal_external_id)
        row = Signal(
            kind=rec.kind,
            source=self.source,
            occurred_at=rec.occurred_at,
            dedup_key=rec.dedup_key,
            payload=rec.payload,
            created_at=self.now,
            **refs,
        )
        self.s.add(row)
        await self.s.flush()
        self.report.counts["signals"] += 1
        self.report.new_signal_ids.append(row.id)
        return row
