"""Wire shapes of the operator's records (contacts, companies, deals, tasks, meetings,
threads) and of what links to one of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import stage_label
from daemon.context import OpContext
from daemon.domain import settings
from daemon.domain.records import links, sources
from daemon.ops.views import CompanyRef, ContactRef, MoveOut, SignalOut, move_views, signal_view
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    Meeting,
    MeetingAttendee,
    Thread,
)
from daemon.wire import WireModel


class ContactOut(WireModel):
    id: int
    name: str | None
    email: str
    title: str | None
    phone: str | None
    lifecycle_stage: str | None
    owner: str | None
    starred: bool
    company: CompanyRef | None
    last_inbound_at: datetime | None = Field(description="Their last email to you.")
    last_outbound_at: datetime | None = Field(description="Your last email to them.")
    last_meeting_at: datetime | None
    do_not_contact: bool = Field(
        False, description="They asked not to be contacted: never followed up."
    )
    do_not_contact_at: datetime | None = Field(None, description="When they asked.")
    do_not_contact_reason: str | None = Field(None, description="What they said.")


class CompanyOut(WireModel):
    id: int
    name: str
    domain: str
    industry: str | None
    size: int | None
    tier: str | None


class DealOut(WireModel):
    id: int
    name: str
    pipeline: str
    stage: str = Field(description="The stage as the CRM stores it.")
    stage_label: str = Field(description="The stage as people read it.")
    amount: float | None
    currency: str
    close_date: date | None
    company: CompanyRef | None
    stage_entered_at: datetime | None
    last_activity_at: datetime | None


class TaskOut(WireModel):
    id: int
    title: str
    status: str
    priority: str | None
    owner: str | None
    due_at: datetime | None
    completed_at: datetime | None
    contact_id: int | None
    company_id: int | None
    deal_id: int | None


class AttendeeOut(WireModel):
    email: str
    name: str | None
    response: str = Field(description="accepted, declined, tentative or needs_action.")
    contact_id: int | None


class MeetingOut(WireModel):
    id: int
    title: str
    start_at: datetime
    end_at: datetime
    organizer: str | None
    location: str | None
    status: str
    attendees: list[AttendeeOut]


class ThreadOut(WireModel):
    id: int
    subject: str
    is_internal: bool
    last_message_at: datetime | None
    messages: int = Field(description="How many messages the thread has.")


class MessageOut(WireModel):
    id: int
    sent_at: datetime
    direction: str = Field(description="inbound or outbound.")
    from_addr: str
    from_name: str | None
    to: list[str]
    subject: str
    body: str = Field(description="Plain text, quoted replies removed.")


class Clock(WireModel):
    """The daemon's now and the operator's zone, for showing the record's times."""

    now: datetime
    timezone: str


async def clock(ctx: OpContext) -> dict[str, Any]:
    return {"now": ctx.now(), "timezone": str(await settings.timezone(ctx.session))}


class SourceOut(WireModel):
    source: str = Field(
        description="A connector that brought the record: files, demo, "
        "hubspot, gmail, calendar or drive."
    )
    first_seen_at: datetime = Field(description="When it first brought it.")
    last_seen_at: datetime = Field(description="When it last brought it.")


class LinkedOut(WireModel):
    sources: list[SourceOut] = Field(
        description="Where the record came from, first source first (a thread: its "
        "messages' sources)."
    )
    moves: list[MoveOut] = Field(description="Moves about this record, open ones first.")
    moves_total: int
    signals: list[SignalOut] = Field(description="Signals about this record, newest first.")
    signals_total: int


def company_ref(c: Company | None) -> CompanyRef | None:
    return CompanyRef(id=c.id, name=c.name, domain=c.domain) if c else None


def contact_ref(c: Contact) -> ContactRef:
    return ContactRef(id=c.id, name=c.name, email=c.email)


def contact_out(c: Contact, companies: dict[int, Company]) -> ContactOut:
    return ContactOut(
        id=c.id,
        name=c.name,
        email=c.email,
        title=c.title,
        phone=c.phone,
        lifecycle_stage=c.lifecycle_stage,
        owner=c.owner,
        starred=c.starred,
        company=company_ref(companies.get(c.company_id or 0)),
        last_inbound_at=c.last_inbound_at,
        last_outbound_at=c.last_outbound_at,
        last_meeting_at=c.last_meeting_at,
        do_not_contact=c.do_not_contact_at is not None,
        do_not_contact_at=c.do_not_contact_at,
        do_not_contact_reason=c.do_not_contact_reason,
    )


def company_out(c: Company) -> CompanyOut:
    return CompanyOut(
        id=c.id, name=c.name, domain=c.domain, industry=c.industry, size=c.size, tier=c.tier
    )


def deal_out(d: Deal, companies: dict[int, Company]) -> DealOut:
    return DealOut(
        id=d.id,
        name=d.name,
        pipeline=d.pipeline,
        stage=d.stage,
        stage_label=stage_label(d.stage),
        amount=d.amount,
        currency=d.currency,
        close_date=d.close_date,
        company=company_ref(companies.get(d.company_id or 0)),
        stage_entered_at=d.stage_entered_at,
        last_activity_at=d.last_activity_at,
    )


def task_out(t: CrmTask) -> TaskOut:
    return TaskOut(
        id=t.id,
        title=t.title,
        status=t.status,
        priority=t.priority,
        owner=t.owner,
        due_at=t.due_at,
        completed_at=t.completed_at,
        contact_id=t.contact_id,
        company_id=t.company_id,
        deal_id=t.deal_id,
    )


def meeting_out(m: Meeting, people: Sequence[MeetingAttendee]) -> MeetingOut:
    return MeetingOut(
        id=m.id,
        title=m.title,
        start_at=m.start_at,
        end_at=m.end_at,
        organizer=m.organizer,
        location=m.location,
        status=m.status,
        attendees=[
            AttendeeOut(
                email=a.email, name=a.name, response=a.response_status, contact_id=a.contact_id
            )
            for a in people
        ],
    )


def thread_out(t: Thread, counts: dict[int, int]) -> ThreadOut:
    return ThreadOut(
        id=t.id,
        subject=t.subject,
        is_internal=t.is_internal,
        last_message_at=t.last_message_at,
        messages=counts.get(t.id, 0),
    )


async def companies_of(session: AsyncSession, ids: set[int | None]) -> dict[int, Company]:
    """The companies a page of contacts or deals names, in one statement."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.scalars(select(Company).where(Company.id.in_(wanted)))
    return {c.id: c for c in rows}


async def linked_fields(session: AsyncSession, column: str, record_id: int) -> dict[str, Any]:
    """The `LinkedOut` fields of a record's `show`: its sources, and its moves and signals
    with their totals."""
    linked = await links.linked(session, column, record_id)
    return {
        "sources": [
            SourceOut(source=s.source, first_seen_at=s.first_seen_at, last_seen_at=s.last_seen_at)
            for s in await sources.of_record(session, column, record_id)
        ],
        "moves": await move_views(session, linked.moves),
        "moves_total": linked.moves_total,
        "signals": [signal_view(s) for s in linked.signals],
        "signals_total": linked.signals_total,
    }
