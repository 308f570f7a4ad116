"""Writing a connector's `SyncBatch` into a workspace: upserts by natural key, one transaction.

Records are merged by natural key (company domain, contact email, message id, meeting uid,
deal external id per connector), so the same person known to two connectors is one contact.
Signals that need history only the store has (`email.replied`) are derived here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import (
    CompanyRecord,
    ContactRecord,
    MessageRecord,
    OperatorIdentity,
    SignalRecord,
    SyncBatch,
)
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    DealContact,
    ExternalId,
    Meeting,
    MeetingAttendee,
    Message,
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


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def _is_automated(labels: list[str]) -> bool:
    return "automated" in labels


class _Ingest:
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
        company = await self.company_for(rec.company_domain or _domain(email), rec.company_name)
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

    async def deals(self, batch: SyncBatch) -> None:
        for rec in batch.deals:
            deal_id = await self.linked("deal", rec.external_id)
            row = await self.s.get(Deal, deal_id) if deal_id else None
            if row is not None and row.stage != rec.stage:
                self.derived.append(
                    SignalRecord(
                        kind="deal.stage_changed",
                        occurred_at=rec.stage_entered_at or self.now,
                        dedup_key=f"deal.stage_changed:{rec.external_id}:{rec.stage}",
                        payload={"deal": rec.name, "from": row.stage, "to": rec.stage},
                        deal_external_id=rec.external_id,
                        company_domain=rec.company_domain,
                    )
                )
            if row is None:
                row = Deal(
                    name=rec.name,
                    pipeline=rec.pipeline,
                    stage=rec.stage,
                    currency=rec.currency,
                    created_at=rec.created_at or self.now,
                    updated_at=self.now,
                )
                self.s.add(row)
                await self.s.flush()
                self.s.add(
                    ExternalId(
                        entity="deal",
                        entity_id=row.id,
                        connector=self.source,
                        external_id=rec.external_id,
                    )
                )
                self.report.counts["deals"] += 1
            row.name, row.pipeline, row.stage = rec.name, rec.pipeline, rec.stage
            row.amount, row.currency, row.close_date = rec.amount, rec.currency, rec.close_date
            row.stage_entered_at = rec.stage_entered_at or row.stage_entered_at or row.created_at
            row.last_activity_at = rec.last_activity_at or row.last_activity_at
            row.updated_at = self.now
            company = await self.company_for(rec.company_domain) if rec.company_domain else None
            if company is not None:
                await self.s.flush()
                row.company_id = company.id
            for email in rec.contact_emails:
                contact = await self.contact(ContactRecord(email=email))
                await self.s.flush()
                if await self.s.get(DealContact, (row.id, contact.id)) is None:
                    self.s.add(DealContact(deal_id=row.id, contact_id=contact.id))
                if row.company_id is None and contact.company_id is not None:
                    row.company_id = contact.company_id

    def _participants(self, msg: MessageRecord) -> list[str]:
        return [msg.from_addr, *msg.to, *msg.cc]

    async def messages(self, batch: SyncBatch) -> None:
        if not batch.messages:
            return
        ids = [m.message_id for m in batch.messages]
        known: set[str] = set()
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            known.update(
                (
                    await self.s.scalars(
                        select(Message.message_id).where(Message.message_id.in_(chunk))
                    )
                ).all()
            )
        for msg in sorted(batch.messages, key=lambda m: m.sent_at):
            if msg.message_id in known:
                continue
            known.add(msg.message_id)
            thread = self.threads.get(msg.thread_key)
            everyone_internal = all(self.op.is_internal(a) for a in self._participants(msg))
            if thread is None:
                thread = Thread(
                    thread_key=msg.thread_key,
                    subject=msg.subject or "(no subject)",
                    is_internal=everyone_internal,
                    last_message_at=msg.sent_at,
                )
                self.s.add(thread)
                self.threads[msg.thread_key] = thread
            else:
                thread.is_internal = thread.is_internal and everyone_internal
                if thread.last_message_at is None or msg.sent_at > thread.last_message_at:
                    thread.last_message_at = msg.sent_at
            contact = None
            if not _is_automated(msg.labels) and not msg.is_draft:
                if msg.direction == "inbound":
                    contact = await self.correspondent(msg.from_addr, msg.from_name)
                    if contact and (
                        not contact.last_inbound_at or msg.sent_at > contact.last_inbound_at
                    ):
                        contact.last_inbound_at = msg.sent_at
                elif msg.direction == "outbound":
                    for addr in [*msg.to, *msg.cc]:
                        if self.op.is_internal(addr):
                            continue
                        c = await self.correspondent(addr, None)
                        if c and (not c.last_outbound_at or msg.sent_at > c.last_outbound_at):
                            c.last_outbound_at = msg.sent_at
                        contact = contact or c
            await self.s.flush()
            self.s.add(
                Message(
                    thread_id=thread.id,
                    message_id=msg.message_id,
                    from_addr=msg.from_addr.lower(),
                    from_name=msg.from_name,
                    to_addrs=[a.lower() for a in msg.to],
                    cc_addrs=[a.lower() for a in msg.cc],
                    subject=msg.subject,
                    body=msg.body,
                    sent_at=msg.sent_at,
                    direction=msg.direction,
                    labels=list(msg.labels),
                    is_draft=msg.is_draft,
                    contact_id=contact.id if contact else None,
                )
            )
            self.report.counts["messages"] += 1

    async def meetings(self, batch: SyncBatch) -> None:
        for rec in batch.meetings:
            row = await self.s.scalar(select(Meeting).where(Meeting.uid == rec.uid))
            if row is None:
                row = Meeting(
                    uid=rec.uid,
                    title=rec.title,
                    start_at=rec.start_at,
                    end_at=rec.end_at,
                    status=rec.status,
                )
                self.s.add(row)
                self.report.counts["meetings"] += 1
            row.title, row.start_at, row.end_at = rec.title, rec.start_at, rec.end_at
            row.organizer, row.location = rec.organizer, rec.location
            row.description, row.status = rec.description, rec.status
            await self.s.flush()
            existing = {
                a.email: a
                for a in (
                    await self.s.scalars(
                        select(MeetingAttendee).where(MeetingAttendee.meeting_id == row.id)
                    )
                ).all()
            }
            for att in rec.attendees:
                email = att.email.lower()
                contact = await self.correspondent(email, att.name)
                if (
                    contact
                    and rec.status != "cancelled"
                    and rec.end_at <= self.now
                    and (not contact.last_meeting_at or rec.end_at > contact.last_meeting_at)
                ):
                    contact.last_meeting_at = rec.end_at
                await self.s.flush()
                a = existing.get(email)
                if a is None:
                    a = MeetingAttendee(meeting_id=row.id, email=email)
                    self.s.add(a)
                    existing[email] = a
                a.name, a.response_status = att.name, att.response_status
                a.contact_id = contact.id if contact else None

    async def _refs(
        self, emails: list[str], domain: str | None, deal_external_id: str | None
    ) -> dict[str, int | None]:
        contact = None
        for email in emails:
            contact = await self.contact(ContactRecord(email=email))
            break
        company = await self.company_for(domain) if domain else None
        await self.s.flush()
        return {
            "contact_id": contact.id if contact else None,
            "company_id": company.id if company else (contact.company_id if contact else None),
            "deal_id": await self.linked("deal", deal_external_id),
        }

    async def tasks(self, batch: SyncBatch) -> None:
        for rec in batch.tasks:
            task_id = await self.linked("task", rec.external_id)
            row = await self.s.get(CrmTask, task_id) if task_id else None
            if row is None:
                row = CrmTask(
                    title=rec.title,
                    status=rec.status,
                    created_at=rec.created_at or self.now,
                    updated_at=self.now,
                )
                self.s.add(row)
                await self.s.flush()
                self.s.add(
                    ExternalId(
                        entity="task",
                        entity_id=row.id,
                        connector=self.source,
                        external_id=rec.external_id,
                    )
                )
                self.report.counts["tasks"] += 1
            elif row.status != rec.status and rec.status in TASK_CLOSED:
                self.derived.append(
                    SignalRecord(
                        kind="task.completed",
                        occurred_at=rec.completed_at or self.now,
                        dedup_key=f"task.completed:{rec.external_id}:{rec.status}",
                        payload={"task_id": row.id, "title": rec.title, "status": rec.status},
                    )
                )
            row.title, row.status, row.priority = rec.title, rec.status, rec.priority
            row.body, row.owner, row.due_at = rec.body, rec.owner, rec.due_at
            row.completed_at = rec.completed_at
            row.updated_at = self.now
            refs = await self._refs(rec.contact_emails, rec.company_domain, rec.deal_external_id)
            row.contact_id, row.company_id = refs["contact_id"], refs["company_id"]
            row.deal_id = refs["deal_id"]

    async def notes(self, batch: SyncBatch) -> None:
        for rec in batch.notes:
            note_id = await self.linked("note", rec.external_id)
            row = await self.s.get(Note, note_id) if note_id else None
            if row is None:
                row = Note(body=rec.body, created_at=rec.created_at, updated_at=self.now)
                self.s.add(row)
                await self.s.flush()
                self.s.add(
                    ExternalId(
                        entity="note",
                        entity_id=row.id,
                        connector=self.source,
                        external_id=rec.external_id,
                    )
                )
                self.report.counts["notes"] += 1
            row.body, row.owner, row.updated_at = rec.body, rec.owner, self.now
            refs = await self._refs(rec.contact_emails, rec.company_domain, rec.deal_external_id)
            row.contact_id, row.company_id = refs["contact_id"], refs["company_id"]
            row.deal_id = refs["deal_id"]

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
            refs["deal_id"] = await self.s.scalar(
                select(ExternalId.entity_id).where(
                    ExternalId.connector == self.source,
                    ExternalId.entity == "deal",
                    ExternalId.external_id == rec.deal_external_id,
                )
            )
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

    async def derive_replied(self, received: Signal, rec: SignalRecord) -> None:
        """A contact answering a thread we wrote in is `email.replied`, not just received."""
        if received.thread_id is None:
            return
        message_id = received.payload.get("message_id")
        earlier_outbound = await self.s.scalar(
            select(Message.id)
            .where(
                Message.thread_id == received.thread_id,
                Message.direction == "outbound",
                Message.is_draft.is_(False),
                Message.sent_at < received.occurred_at,
            )
            .limit(1)
        )
        if earlier_outbound is None:
            return
        await self.signal(
            SignalRecord(
                kind="email.replied",
                occurred_at=received.occurred_at,
                dedup_key=f"email.replied:{message_id}",
                payload=dict(received.payload),
                contact_email=rec.contact_email,
                thread_key=rec.thread_key,
            )
        )


async def ingest(
    session: AsyncSession, batch: SyncBatch, operator: OperatorIdentity, now: datetime
) -> IngestReport:
    """Write a batch; the caller owns the transaction, so all of it lands or none does."""
    job = _Ingest(session, operator, now, batch.source)
    await job.load()
    for company in batch.companies:
        await job.company(company)
    for contact in batch.contacts:
        await job.contact(contact)
    await job.deals(batch)
    await job.messages(batch)
    await job.meetings(batch)
    await job.tasks(batch)
    await job.notes(batch)
    await session.flush()
    for rec in sorted([*batch.signals, *job.derived], key=lambda r: r.occurred_at):
        row = await job.signal(rec)
        if row is not None and row.kind == "email.received":
            await job.derive_replied(row, rec)
    return job.report
