"""Contacts and companies: lists with a seller's filters, and one record with its context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain.facts import CLOSED_STAGES
from daemon.domain.ingest import TASK_CLOSED
from daemon.domain.paging import Key
from daemon.domain.records import search
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

SHOWN = 10


def contacts(
    session: AsyncSession,
    *,
    text: str | None = None,
    company: str | None = None,
    lifecycle: str | None = None,
    starred: bool | None = None,
) -> Select[Any]:
    query = select(Contact).outerjoin(Company, Contact.company_id == Company.id)
    if text:
        # Emails are stored lower-case: LIKE (case-blind for ASCII) needs no folding there.
        keys = [Contact.name_key, Contact.email, Company.name_key]
        query = query.where(search.contains(session, [], text, stored_folded=keys))
    if company:
        keys = [Company.name_key, Company.domain]
        query = query.where(search.contains(session, [], company, stored_folded=keys))
    if lifecycle:
        query = query.where(search.equals(session, Contact.lifecycle_stage, lifecycle))
    if starred is not None:
        query = query.where(Contact.starred.is_(starred))
    return query


def contact_order(session: AsyncSession) -> tuple[Key, ...]:
    """By folded name (the email when there is none), through ix_contacts_name_key."""
    return (Key(Contact.name_key), Key(Contact.id))


async def find_contact(session: AsyncSession, text: str) -> Contact:
    """By id, by exact email, or by a name that only one contact has."""
    if (by_id := await search.by_id(session, Contact, text, "contact")) is not None:
        return by_id
    # Stored lower-cased by the importers, so the unique index answers.
    by_email = await session.scalar(select(Contact).where(Contact.email == text.strip().lower()))
    if by_email is not None:
        return by_email
    query = contacts(session, text=text).order_by(*(k.expr for k in contact_order(session)))
    found_one: Contact = await search.pick(
        session, query, "contact", text, lambda c: c.name or c.email
    )
    return found_one


@dataclass(frozen=True)
class ContactContext:
    company: Company | None
    deals: Sequence[Deal]
    threads: Sequence[Thread]
    meetings: Sequence[Meeting]
    tasks: Sequence[CrmTask]


async def contact_context(session: AsyncSession, contact: Contact) -> ContactContext:
    company = await session.get(Company, contact.company_id) if contact.company_id else None
    deals = (
        await session.scalars(
            select(Deal)
            .join(DealContact, DealContact.deal_id == Deal.id)
            .where(DealContact.contact_id == contact.id)
            .order_by(Deal.updated_at.desc(), Deal.id.desc())
            .limit(SHOWN)
        )
    ).all()
    thread_ids = select(Message.thread_id).where(Message.contact_id == contact.id).distinct()
    threads = (
        await session.scalars(
            select(Thread)
            .where(Thread.id.in_(thread_ids))
            .order_by(Thread.last_message_at.desc(), Thread.id.desc())
            .limit(SHOWN)
        )
    ).all()
    meetings = (
        await session.scalars(
            select(Meeting)
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .where(MeetingAttendee.contact_id == contact.id)
            .order_by(Meeting.start_at.desc(), Meeting.id.desc())
            .limit(SHOWN)
        )
    ).all()
    tasks = (
        await session.scalars(
            select(CrmTask)
            .where(CrmTask.contact_id == contact.id, CrmTask.status.not_in(TASK_CLOSED))
            .order_by(CrmTask.due_at, CrmTask.id)
            .limit(SHOWN)
        )
    ).all()
    return ContactContext(company, deals, threads, meetings, tasks)


def companies(
    session: AsyncSession, *, text: str | None = None, tier: str | None = None
) -> Select[Any]:
    query = select(Company)
    if text:
        keys = [Company.name_key, Company.domain]
        query = query.where(search.contains(session, [], text, stored_folded=keys))
    if tier:
        query = query.where(search.equals(session, Company.tier, tier))
    return query


def company_order(session: AsyncSession) -> tuple[Key, ...]:
    return (Key(Company.name_key), Key(Company.id))


async def find_company(session: AsyncSession, text: str) -> Company:
    """By id, by domain, or by a name that only one company has."""
    if (by_id := await search.by_id(session, Company, text, "company")) is not None:
        return by_id
    domain = text.lower().removeprefix("www.")
    by_domain = await session.scalar(select(Company).where(Company.domain == domain))
    if by_domain is not None:
        return by_domain
    query = companies(session, text=text).order_by(*(k.expr for k in company_order(session)))
    found_one: Company = await search.pick(session, query, "company", text, lambda c: c.name)
    return found_one


@dataclass(frozen=True)
class CompanyContext:
    contacts: Sequence[Contact]
    contacts_total: int
    deals: Sequence[Deal]
    open_pipeline: float


async def company_context(session: AsyncSession, company: Company) -> CompanyContext:
    people = (
        await session.scalars(
            select(Contact)
            .where(Contact.company_id == company.id)
            .order_by(Contact.last_inbound_at.desc(), Contact.id)
            .limit(SHOWN)
        )
    ).all()
    people_total = await session.scalar(
        select(func.count()).select_from(Contact).where(Contact.company_id == company.id)
    )
    deals = (
        await session.scalars(
            select(Deal)
            .where(Deal.company_id == company.id)
            .order_by(Deal.updated_at.desc(), Deal.id.desc())
            .limit(SHOWN)
        )
    ).all()
    pipeline = await session.scalar(
        select(func.coalesce(func.sum(Deal.amount), 0.0)).where(
            Deal.company_id == company.id,
            or_(Deal.stage.is_(None), func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES))),
        )
    )
    return CompanyContext(people, int(people_total or 0), deals, float(pipeline or 0.0))
