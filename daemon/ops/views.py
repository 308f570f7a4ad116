"""Wire shapes shared by several operations, and the loaders that fill them in batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import Company, Contact, Deal, Move, Signal


class ContactRef(BaseModel):
    id: int
    name: str | None
    email: str


class CompanyRef(BaseModel):
    id: int
    name: str
    domain: str


class DealRef(BaseModel):
    id: int
    name: str
    stage: str
    amount: float | None


class MoveOut(BaseModel):
    id: int
    title: str
    why_now: str
    move_type: str
    agent: str
    status: str
    aps: float
    due_at: datetime
    snoozed_until: datetime | None
    expires_at: datetime | None
    contact: ContactRef | None
    company: CompanyRef | None
    deal: DealRef | None
    thread_id: int | None
    meeting_id: int | None
    prepared_action: dict[str, Any] | None
    status_reason: str | None
    created_at: datetime
    updated_at: datetime


class JobOut(BaseModel):
    id: str
    kind: str = Field(description="import, demo, agents or sync.")
    title: str
    workspace: str
    status: str = Field(description="running, succeeded, failed, cancelled or interrupted.")
    phase: str | None
    done: int = Field(description="Units of work done so far (records, messages, signals).")
    total: int | None = Field(description="Units in all, when known.")
    error: str | None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] | None = Field(
        default=None, description="What the job did, once it ended."
    )


class SignalOut(BaseModel):
    id: int
    kind: str
    source: str
    occurred_at: datetime
    payload: dict[str, Any]
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    thread_id: int | None
    meeting_id: int | None
    processed: bool


async def _by_id(session: AsyncSession, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = (await session.scalars(select(model).where(model.id.in_(ids)))).all()
    return {r.id: r for r in rows}


async def move_views(session: AsyncSession, moves: Sequence[Move]) -> list[MoveOut]:
    contacts = await _by_id(session, Contact, {m.contact_id for m in moves if m.contact_id})
    companies = await _by_id(session, Company, {m.company_id for m in moves if m.company_id})
    deals = await _by_id(session, Deal, {m.deal_id for m in moves if m.deal_id})
    out = []
    for m in moves:
        c, co, d = (
            contacts.get(m.contact_id or 0),
            companies.get(m.company_id or 0),
            deals.get(m.deal_id or 0),
        )
        out.append(
            MoveOut(
                id=m.id,
                title=m.title,
                why_now=m.why_now,
                move_type=m.move_type,
                agent=m.agent,
                status=m.status,
                aps=m.aps,
                due_at=m.due_at,
                snoozed_until=m.snoozed_until,
                expires_at=m.expires_at,
                contact=ContactRef(id=c.id, name=c.name, email=c.email) if c else None,
                company=CompanyRef(id=co.id, name=co.name, domain=co.domain) if co else None,
                deal=DealRef(id=d.id, name=d.name, stage=d.stage, amount=d.amount) if d else None,
                thread_id=m.thread_id,
                meeting_id=m.meeting_id,
                prepared_action=m.prepared_action,
                status_reason=m.status_reason,
                created_at=m.created_at,
                updated_at=m.updated_at,
            )
        )
    return out


async def move_view(session: AsyncSession, move: Move) -> MoveOut:
    return (await move_views(session, [move]))[0]


def signal_view(s: Signal) -> SignalOut:
    return SignalOut(
        id=s.id,
        kind=s.kind,
        source=s.source,
        occurred_at=s.occurred_at,
        payload=s.payload,
        contact_id=s.contact_id,
        company_id=s.company_id,
        deal_id=s.deal_id,
        thread_id=s.thread_id,
        meeting_id=s.meeting_id,
        processed=s.processed_at is not None,
    )
