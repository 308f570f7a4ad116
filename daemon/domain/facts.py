"""The store's answers to the questions agents ask (`agents.base.Facts`)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import (
    AttendeeFacts,
    ContactFacts,
    DealFacts,
    DocumentFacts,
    MeetingFacts,
    MessageFacts,
    SignalView,
    TaskFacts,
    ThreadFacts,
)
from connectors.base import AUTO_REPLY, OperatorIdentity
from daemon.domain import settings
from daemon.domain.mail_intent import back_on
from daemon.domain.queue import chunks
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    DealContact,
    Document,
    Meeting,
    MeetingAttendee,
    Message,
    Thread,
)
from daemon.timeparse import business_days_between

CLOSED_STAGES = frozenset({"closedwon", "closedlost", "closed won", "closed lost"})


def snippet(body: str, width: int = 160) -> str:
    return " ".join(body.split())[:width]


# Messages per thread that agents see: the latest ones, oldest first.
THREAD_DEPTH = 10


# What `_message` reads from a message row.
MESSAGE_COLUMNS = (
    Message.id,
    Message.message_id,
    Message.from_addr,
    Message.direction,
    Message.sent_at,
    Message.subject,
    Message.body,
    Message.labels,
    Message.contact_id,
)


def _message(row: Any, tz: ZoneInfo) -> MessageFacts:
    labels = row.labels or []
    auto_reply = AUTO_REPLY in labels
    return MessageFacts(
        id=row.id,
        message_id=row.message_id,
        from_addr=row.from_addr,
        direction=row.direction,
        sent_at=row.sent_at,
        subject=row.subject,
        snippet=snippet(row.body),
        automated="automated" in labels,
        contact_id=row.contact_id,
        auto_reply=auto_reply,
        back_on=back_on(row.body, row.sent_at, tz) if auto_reply else None,
    )


class StoreFacts:
    """Answers from the store, remembered for the life of the object (one pipeline chunk).

    `prefetch` loads, with a few queries per kind of record, everything agents usually ask
    about a list of signals; anything else is still answered, one query at a time.
    """

    def __init__(
        self, session: AsyncSession, now: datetime, tz: ZoneInfo, operator: OperatorIdentity | None
    ):
        self.s = session
        self.now = now
        self.tz = tz
        self.operator = operator
        self._contacts: dict[int, ContactFacts | None] = {}
        self._threads: dict[int, ThreadFacts | None] = {}
        self._meetings: dict[int, MeetingFacts | None] = {}
        self._deals: dict[int, DealFacts | None] = {}
        self._tasks: dict[int, TaskFacts | None] = {}
        # Every deal of these contacts (through deal_contacts) and companies, once loaded.
        self._deals_of_contact: dict[int, set[int]] = {}
        self._deals_of_company: dict[int, set[int]] = {}

    async def prefetch(self, signals: Sequence[SignalView]) -> None:
        """Load what agents will ask about these signals, and what that leads to, in bulk."""
        thread_ids = {s.thread_id for s in signals if s.thread_id is not None}
        meeting_ids = {s.meeting_id for s in signals if s.meeting_id is not None}
        deal_ids = {s.deal_id for s in signals if s.deal_id is not None}
        contact_ids = {s.contact_id for s in signals if s.contact_id is not None}
        task_ids: set[int] = set()
        for sig in signals:
            task_id = sig.payload.get("task_id")
            if task_id is not None:
                with contextlib.suppress(TypeError, ValueError):
                    task_ids.add(int(task_id))
        await self._load_threads(thread_ids)
        await self._load_meetings(meeting_ids)
        await self._load_tasks(task_ids)
        for thread in (self._threads.get(i) for i in thread_ids):
            if thread is not None:
                contact_ids.update(m.contact_id for m in thread.messages if m.contact_id)
        for meeting in (self._meetings.get(i) for i in meeting_ids):
            if meeting is not None:
                contact_ids.update(a.contact_id for a in meeting.attendees if a.contact_id)
        for task in (self._tasks.get(i) for i in task_ids):
            if task is not None:
                contact_ids.update([task.contact_id] if task.contact_id else [])
                deal_ids.update([task.deal_id] if task.deal_id else [])
        await self._load_deals(deal_ids)
        for deal in (self._deals.get(i) for i in deal_ids):
            if deal is not None:
                contact_ids.update(deal.contact_ids)
        await self._load_contacts(contact_ids)
        contacts = [c for c in (self._contacts.get(i) for i in contact_ids) if c is not None]
        await self._load_deals_of(
            {c.id for c in contacts}, {c.company_id for c in contacts if c.company_id}
        )

    async def _load_contacts(self, ids: set[int]) -> None:
        todo = sorted(ids - self._contacts.keys())
        for chunk in chunks(todo):
            rows = await self.s.execute(
                select(
                    Contact.id,
                    Contact.email,
                    Contact.name,
                    Contact.title,
                    Contact.company_id,
                    Company.name,
                    Company.size,
                    Company.industry,
                    Company.tier,
                    Contact.lifecycle_stage,
                    Contact.starred,
                    Contact.last_inbound_at,
                    Contact.last_outbound_at,
                    Contact.last_meeting_at,
                    Contact.do_not_contact_at,
                )
                .outerjoin(Company, Company.id == Contact.company_id)
                .where(Contact.id.in_(chunk))
            )
            for (
                cid,
                email,
                name,
                title,
                company_id,
                company_name,
                size,
                industry,
                tier,
                lifecycle_stage,
                starred,
                last_inbound_at,
                last_outbound_at,
                last_meeting_at,
                do_not_contact_at,
            ) in rows:
                self._contacts[cid] = ContactFacts(
                    id=cid,
                    email=email,
                    name=name,
                    title=title,
                    company_id=company_id,
                    company_name=company_name,
                    company_size=size,
                    industry=industry,
                    tier=tier,
                    lifecycle_stage=lifecycle_stage,
                    starred=starred,
                    last_inbound_at=last_inbound_at,
                    last_outbound_at=last_outbound_at,
                    last_meeting_at=last_meeting_at,
                    do_not_contact_at=do_not_contact_at,
                )
        for missing in todo:
            self._contacts.setdefault(missing, None)

    async def _load_threads(self, ids: set[int]) -> None:
        todo = sorted(ids - self._threads.keys())
        for chunk in chunks(todo):
            threads = {
                row.id: row
                for row in await self.s.execute(
                    select(Thread.id, Thread.subject, Thread.is_internal).where(
                        Thread.id.in_(chunk)
                    )
                )
            }
            latest = (
                select(
                    Message.thread_id,
                    *MESSAGE_COLUMNS,
                    func.row_number()
                    .over(
                        partition_by=Message.thread_id,
                        order_by=(Message.sent_at.desc(), Message.id.desc()),
                    )
                    .label("rn"),
                )
                .where(Message.thread_id.in_(chunk), Message.is_draft.is_(False))
                .subquery()
            )
            messages: dict[int, list[MessageFacts]] = defaultdict(list)
            for row in await self.s.execute(
                select(latest)
                .where(latest.c.rn <= THREAD_DEPTH)
                .order_by(latest.c.thread_id, latest.c.rn.desc())
            ):
                messages[row.thread_id].append(_message(row, self.tz))
            for thread_id in chunk:
                t = threads.get(thread_id)
                self._threads[thread_id] = (
                    None
                    if t is None
                    else ThreadFacts(t.id, t.subject, t.is_internal, messages.get(thread_id, []))
                )

    async def _load_meetings(self, ids: set[int]) -> None:
        todo = sorted(ids - self._meetings.keys())
        op = self.operator
        for chunk in chunks(todo):
            attendees: dict[int, list[AttendeeFacts]] = defaultdict(list)
            for meeting_id, email, name, response, contact_id in await self.s.execute(
                select(
                    MeetingAttendee.meeting_id,
                    MeetingAttendee.email,
                    MeetingAttendee.name,
                    MeetingAttendee.response_status,
                    MeetingAttendee.contact_id,
                )
                .where(MeetingAttendee.meeting_id.in_(chunk))
                .order_by(MeetingAttendee.meeting_id, MeetingAttendee.id)
            ):
                internal = bool(op and op.is_internal(email))
                attendees[meeting_id].append(
                    AttendeeFacts(email, name, response, contact_id, internal=internal)
                )
            for row in await self.s.execute(
                select(
                    Meeting.id,
                    Meeting.title,
                    Meeting.start_at,
                    Meeting.end_at,
                    Meeting.status,
                    Meeting.location,
                ).where(Meeting.id.in_(chunk))
            ):
                self._meetings[row.id] = MeetingFacts(*row, attendees=attendees.get(row.id, []))
        for missing in todo:
            self._meetings.setdefault(missing, None)

    async def _load_deals(self, ids: set[int]) -> None:
        todo = sorted(ids - self._deals.keys())
        for chunk in chunks(todo):
            people: dict[int, list[int]] = defaultdict(list)
            for deal_id, contact_id in await self.s.execute(
                select(DealContact.deal_id, DealContact.contact_id).where(
                    DealContact.deal_id.in_(chunk)
                )
            ):
                people[deal_id].append(contact_id)
            for row in await self.s.execute(
                select(
                    Deal.id,
                    Deal.name,
                    Deal.stage,
                    Deal.amount,
                    Deal.company_id,
                    Deal.stage_entered_at,
                    Deal.last_activity_at,
                ).where(Deal.id.in_(chunk))
            ):
                self._deals[row.id] = DealFacts(*row, tuple(sorted(people.get(row.id, []))))
        for missing in todo:
            self._deals.setdefault(missing, None)

    async def _load_deals_of(self, contact_ids: set[int], company_ids: set[int]) -> None:
        contacts = sorted(contact_ids - self._deals_of_contact.keys())
        companies = sorted(company_ids - self._deals_of_company.keys())
        found: set[int] = set()
        for chunk in chunks(contacts):
            for cid in chunk:
                self._deals_of_contact[cid] = set()
            for deal_id, contact_id in await self.s.execute(
                select(DealContact.deal_id, DealContact.contact_id).where(
                    DealContact.contact_id.in_(chunk)
                )
            ):
                self._deals_of_contact[contact_id].add(deal_id)
                found.add(deal_id)
        for chunk in chunks(companies):
            for cid in chunk:
                self._deals_of_company[cid] = set()
            for deal_id, company_id in await self.s.execute(
                select(Deal.id, Deal.company_id).where(Deal.company_id.in_(chunk))
            ):
                if company_id is not None:
                    self._deals_of_company[company_id].add(deal_id)
                found.add(deal_id)
        await self._load_deals(found)

    async def _load_tasks(self, ids: set[int]) -> None:
        todo = sorted(ids - self._tasks.keys())
        for chunk in chunks(todo):
            for row in await self.s.execute(
                select(
                    CrmTask.id,
                    CrmTask.title,
                    CrmTask.status,
                    CrmTask.priority,
                    CrmTask.due_at,
                    CrmTask.contact_id,
                    CrmTask.company_id,
                    CrmTask.deal_id,
                    CrmTask.owner,
                ).where(CrmTask.id.in_(chunk))
            ):
                self._tasks[row.id] = TaskFacts(*row)
        for missing in todo:
            self._tasks.setdefault(missing, None)

    async def contact(self, contact_id: int) -> ContactFacts | None:
        if contact_id not in self._contacts:
            await self._load_contacts({contact_id})
        return self._contacts[contact_id]

    async def thread(self, thread_id: int, last: int = THREAD_DEPTH) -> ThreadFacts | None:
        if last == THREAD_DEPTH:
            if thread_id not in self._threads:
                await self._load_threads({thread_id})
            return self._threads[thread_id]
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
            row.id, row.subject, row.is_internal, [_message(m, self.tz) for m in msgs[::-1]]
        )

    async def meeting(self, meeting_id: int) -> MeetingFacts | None:
        if meeting_id not in self._meetings:
            await self._load_meetings({meeting_id})
        return self._meetings[meeting_id]

    async def open_deal(self, contact_id: int | None, company_id: int | None) -> DealFacts | None:
        """The largest open deal involving the contact, else their company."""
        await self._load_deals_of(
            {contact_id} if contact_id is not None else set(),
            {company_id} if company_id is not None else set(),
        )
        ids: set[int] = set()
        if contact_id is not None:
            ids |= self._deals_of_contact[contact_id]
        if company_id is not None:
            ids |= self._deals_of_company[company_id]
        open_deals = [
            d
            for d in (self._deals.get(i) for i in ids)
            if d is not None and d.stage.lower() not in CLOSED_STAGES
        ]
        if not open_deals:
            return None
        return max(open_deals, key=lambda d: (d.amount or 0, d.id))

    async def deal(self, deal_id: int) -> DealFacts | None:
        if deal_id not in self._deals:
            await self._load_deals({deal_id})
        return self._deals[deal_id]

    async def task(self, task_id: int) -> TaskFacts | None:
        if task_id not in self._tasks:
            await self._load_tasks({task_id})
        return self._tasks[task_id]

    async def setting(self, key: str) -> Any:
        return await settings.get(self.s, key)

    async def sent_to(self, contact_ids: Sequence[int], since: datetime) -> list[MessageFacts]:
        """Our mail to these contacts since `since` (through the messages' contact index)."""
        found: list[MessageFacts] = []
        for chunk in chunks(sorted(set(contact_ids))):
            rows = await self.s.execute(
                select(
                    *MESSAGE_COLUMNS,
                ).where(
                    Message.contact_id.in_(chunk),
                    Message.direction == "outbound",
                    Message.is_draft.is_(False),
                    Message.sent_at >= since,
                )
            )
            found += [_message(row, self.tz) for row in rows]
        return sorted(found, key=lambda m: (m.sent_at, m.id))

    async def documents(self, company_id: int | None, names: Sequence[str]) -> list[DocumentFacts]:
        words = [n.strip().lower() for n in names if n and n.strip()]
        where = [Document.company_id == company_id] if company_id is not None else []
        where += [func.lower(Document.name).contains(w, autoescape=True) for w in words]
        rows = await self.s.execute(
            select(Document.id, Document.name, Document.link, Document.owners, Document.modified_at)
            .where(Document.trashed.is_(False), or_(false(), *where))
            .order_by(Document.modified_at.desc(), Document.id.desc())
            .limit(50)
        )
        return [
            DocumentFacts(row.id, row.name, row.link, tuple(row.owners or ()), row.modified_at)
            for row in rows
        ]

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
