"""Deals and CRM tasks: lists with a seller's filters, and a deal with its context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import HUBSPOT_STAGES
from daemon.domain.facts import CLOSED_STAGES
from daemon.domain.ingest import TASK_CLOSED
from daemon.domain.paging import Key
from daemon.domain.records import search
from daemon.store.models import Company, Contact, CrmTask, Deal, DealContact, Note

SHOWN = 10
# Deals without a close date sort after every dated one.
NO_DATE = date(9999, 12, 31)
NO_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def deals(
    session: AsyncSession,
    *,
    text: str | None = None,
    stages: Sequence[str] = (),
    min_amount: float | None = None,
    closing_before: date | None = None,
    open_only: bool = False,
) -> Select[Any]:
    query = select(Deal).outerjoin(Company, Deal.company_id == Company.id)
    if text:
        query = query.where(search.contains(session, [Deal.name, Company.name], text))
    if stages:
        compact = func.replace(search.folded(session, Deal.stage), " ", "")
        query = query.where(compact.in_(sorted(stage_keys(stages))))
    if min_amount is not None:
        query = query.where(Deal.amount >= min_amount)
    if closing_before is not None:
        query = query.where(Deal.close_date < closing_before)
    if open_only:
        query = query.where(func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)))
    return query


async def amount_of(session: AsyncSession, query: Select[Any]) -> float:
    """The sum of the amounts of the deals a `deals` query finds (no amount counts 0)."""
    inner = query.order_by(None).limit(None).offset(None).subquery()
    total = await session.scalar(select(func.coalesce(func.sum(inner.c.amount), 0.0)))
    return float(total or 0)


def _compact(text: str) -> str:
    return "".join(c for c in search.fold(text) or "" if c.isalnum())


def stage_keys(stages: Sequence[str]) -> set[str]:
    """What a stage typed as its label ('Qualified to buy') or id ('qualifiedtobuy') is
    stored as, folded and without spaces, to compare with the stored stage."""
    wanted = {_compact(s) for s in stages}
    return wanted | {key for key, label in HUBSPOT_STAGES.items() if _compact(label) in wanted}


# Soonest close first: the order a seller works a pipeline in.
DEAL_ORDER = (
    Key(func.coalesce(Deal.close_date, literal(NO_DATE, Deal.close_date.type))),
    Key(Deal.id),
)


async def find_deal(session: AsyncSession, text: str) -> Deal:
    if (by_id := await search.by_id(session, Deal, text, "deal")) is not None:
        return by_id
    query = deals(session, text=text).order_by(*(k.expr for k in DEAL_ORDER))
    found_one: Deal = await search.pick(session, query, "deal", text, lambda d: d.name)
    return found_one


@dataclass(frozen=True)
class DealContext:
    company: Company | None
    contacts: Sequence[Contact]
    tasks: Sequence[CrmTask]
    notes: Sequence[Note]


async def deal_context(session: AsyncSession, deal: Deal) -> DealContext:
    company = await session.get(Company, deal.company_id) if deal.company_id else None
    people = (
        await session.scalars(
            select(Contact)
            .join(DealContact, DealContact.contact_id == Contact.id)
            .where(DealContact.deal_id == deal.id)
            .order_by(Contact.name, Contact.id)
            .limit(SHOWN)
        )
    ).all()
    tasks = (
        await session.scalars(
            select(CrmTask)
            .where(CrmTask.deal_id == deal.id, CrmTask.status.not_in(TASK_CLOSED))
            .order_by(CrmTask.due_at, CrmTask.id)
            .limit(SHOWN)
        )
    ).all()
    notes = (
        await session.scalars(
            select(Note)
            .where(Note.deal_id == deal.id)
            .order_by(Note.created_at.desc(), Note.id.desc())
            .limit(3)
        )
    ).all()
    return DealContext(company, people, tasks, notes)


def tasks(
    session: AsyncSession,
    *,
    text: str | None = None,
    done: bool | None = False,
    due_before: datetime | None = None,
) -> Select[Any]:
    query = select(CrmTask)
    if text:
        query = query.where(search.contains(session, [CrmTask.title, CrmTask.body], text))
    if done is True:
        query = query.where(CrmTask.status.in_(TASK_CLOSED))
    elif done is False:
        query = query.where(CrmTask.status.not_in(TASK_CLOSED))
    if due_before is not None:
        query = query.where(CrmTask.due_at < due_before)
    return query


# Tasks without a due date come last.
TASK_ORDER = (
    Key(func.coalesce(CrmTask.due_at, literal(NO_TIME, CrmTask.due_at.type))),
    Key(CrmTask.id),
)
