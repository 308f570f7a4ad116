"""The store's answers to the questions agents ask (`agents.base.Facts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import (
    AttendeeFacts,
    ContactFacts,
    DealFacts,
    MeetingFacts,
    MessageFacts,
    TaskFacts,
    ThreadFacts,
)
from connectors.base import OperatorIdentity
from daemon.domain import settings
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    DealContact,
    Meeting,
    MeetingAttendee,
    Message,
    Thread,
)
from daemon.timeparse import business_days_between

CLOSED_STAGES = frozenset({"closedwon", "closedlost", "closed won", "closed lost"})


def snippet(body: str, width: int = 160) -> str:
    return " ".join(body.split())[:width]


class StoreFacts:
    def __init__(
        self, session: AsyncSession, now: datetime, tz: ZoneInfo, operator: OperatorIdentity | None
    ):
        self.s = session
        self.now = now
        self.tz = tz
        self.operator = operator
        self._contacts: dict[int, ContactFacts | None] = {}

    async def contact(self, contact_id: int) -> ContactFacts | None:
        if contact_id in self._contacts:
            return self._contacts[contact_id]
        row = await self.s.get(Contact, contact_id)
        facts = None
        if row is not None:
            company = await self.s.get(Company, row.company_id) if row.company_id else None
            facts = ContactFacts(
                id=row.id,
                email=row.email,
                name=row.name,
                title=row.title,
                company_id=row.company_id,
                company_name=company.name if company else None,
                company_size=company.size if company else None,
                industry=company.industry if company else None,
                tier=company.tier if company else None,
                lifecycle_stage=row.lifecycle_stage,
                starred=row.starred,
                last_inbound_at=row.last_inbound_at,
                last_outbound_at=row.last_outbound_at,
                last_meeting_at=row.last_meeting_at,
            )
        self._contacts[contact_id] = facts
        return facts

    async def thread(self, thread_id: int, last: int = 10) -> ThreadFacts | None:
        row = await self.s.get(Thread, thread_id)
        if row is None:
            return None
        msgs = (
            await self.s.scalars(
                select(Message)
                .where(Message.thread_id == thread_id, Message.is_draft.is_(False))
                .order_by(Message.sent_at.desc(), Message.id.desc())
                .limit(last)
            )
        ).all()
        return ThreadFacts(
            id=row.id,
            subject=row.subject,
            is_internal=row.is_internal,
            messages=[
                MessageFacts(
                    id=m.id,
                    message_id=m.message_id,
                    from_addr=m.from_addr,
                    direction=m.direction,
                    sent_at=m.sent_at,
                    subject=m.subject,
                    snippet=snippet(m.body),
                    automated="automated" in (m.labels or []),
                    contact_id=m.contact_id,
                )
                for m in reversed(msgs)
            ],
        )

    async def meeting(self, meeting_id: int) -> MeetingFacts | None:
        row = await self.s.get(Meeting, meeting_id)
        if row is None:
            return None
        attendees = (
            await self.s.scalars(
                select(MeetingAttendee)
                .where(MeetingAttendee.meeting_id == meeting_id)
                .order_by(MeetingAttendee.id)
            )
        ).all()
        op = self.operator
        return MeetingFacts(
            id=row.id,
            title=row.title,
            start_at=row.start_at,
            end_at=row.end_at,
            status=row.status,
            location=row.location,
            attendees=[
                AttendeeFacts(
                    a.email,
                    a.name,
                    a.response_status,
                    a.contact_id,
                    internal=bool(op and op.is_internal(a.email)),
                )
                for a in attendees
            ],
        )

    async def open_deal(self, contact_id: int | None, company_id: int | None) -> DealFacts | None:
        """The largest open deal involving the contact, else their company."""
        candidates: list[Deal] = []
        if contact_id is not None:
            candidates += (
                await self.s.scalars(
                    select(Deal)
                    .join(DealContact, DealContact.deal_id == Deal.id)
                    .where(DealContact.contact_id == contact_id)
                )
            ).all()
        if company_id is not None:
            candidates += (
                await self.s.scalars(select(Deal).where(Deal.company_id == company_id))
            ).all()
        open_deals = [d for d in candidates if d.stage.lower() not in CLOSED_STAGES]
        if not open_deals:
            return None
        best = max(open_deals, key=lambda d: (d.amount or 0, d.id))
        return await self.deal(best.id)

    async def deal(self, deal_id: int) -> DealFacts | None:
        row = await self.s.get(Deal, deal_id)
        if row is None:
            return None
        contact_ids = (
            await self.s.scalars(
                select(DealContact.contact_id)
                .where(DealContact.deal_id == deal_id)
                .order_by(DealContact.contact_id)
            )
        ).all()
        return DealFacts(
            row.id,
            row.name,
            row.stage,
            row.amount,
            row.company_id,
            row.stage_entered_at,
            row.last_activity_at,
            tuple(contact_ids),
        )

    async def task(self, task_id: int) -> TaskFacts | None:
        row = await self.s.get(CrmTask, task_id)
        if row is None:
            return None
        return TaskFacts(
            row.id,
            row.title,
            row.status,
            row.priority,
            row.due_at,
            row.contact_id,
            row.company_id,
            row.deal_id,
            row.owner,
        )

    async def setting(self, key: str) -> Any:
        return await settings.get(self.s, key)

    def is_mine(self, owner: str | None) -> bool:
        """Whether a CRM owner is the operator; unknown or numeric (id-only export) counts."""
        value = (owner or "").strip().lower()
        if not value or value.isdigit() or self.operator is None:
            return True
        mine = {self.operator.name.lower(), *(e.lower() for e in self.operator.emails)}
        return value in mine or any(e in value for e in self.operator.emails)

    def business_days_between(self, start: datetime, end: datetime) -> int:
        return business_days_between(start, end, self.tz)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)
