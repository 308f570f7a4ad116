"""Wire shapes shared by several operations, and the loaders that fill them in batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import Float, cast, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import Company, Contact, Deal, Move, Signal
from daemon.wire import WireModel


class ContactRef(WireModel):
    id: int
    name: str | None
    email: str


class CompanyRef(WireModel):
    id: int
    name: str
    domain: str


class DealRef(WireModel):
    id: int
    name: str
    stage: str
    amount: float | None


class MoveOut(WireModel):
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


class JobOut(WireModel):
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


class SignalOut(WireModel):
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


async def _refs(
    session: AsyncSession, moves: Sequence[Move]
) -> tuple[dict[int, ContactRef], dict[int, CompanyRef], dict[int, DealRef]]:
    """The contacts, companies and deals a list of moves names, in one statement."""
    no_amount = cast(null(), Float)
    parts = []
    if ids := {m.contact_id for m in moves if m.contact_id}:
        parts.append(
            select(literal("contact"), Contact.id, Contact.name, Contact.email, no_amount).where(
                Contact.id.in_(ids)
            )
        )
    if ids := {m.company_id for m in moves if m.company_id}:
        parts.append(
            select(literal("company"), Company.id, Company.name, Company.domain, no_amount).where(
                Company.id.in_(ids)
            )
        )
    if ids := {m.deal_id for m in moves if m.deal_id}:
        parts.append(
            select(literal("deal"), Deal.id, Deal.name, Deal.stage, Deal.amount).where(
                Deal.id.in_(ids)
            )
        )
    contacts: dict[int, ContactRef] = {}
    companies: dict[int, CompanyRef] = {}
    deals: dict[int, DealRef] = {}
    if not parts:
        return contacts, companies, deals
    for kind, rid, name, detail, amount in (await session.execute(union_all(*parts))).all():
        if kind == "contact":
            contacts[rid] = ContactRef(id=rid, name=name, email=detail)
        elif kind == "company":
            companies[rid] = CompanyRef(id=rid, name=name, domain=detail)
        else:
            deals[rid] = DealRef(id=rid, name=name, stage=detail, amount=amount)
    return contacts, companies, deals


async def move_views(session: AsyncSession, moves: Sequence[Move]) -> list[MoveOut]:
    contacts, companies, deals = await _refs(session, moves)
    out = []
    for m in moves:
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
                contact=contacts.get(m.contact_id or 0),
                company=companies.get(m.company_id or 0),
                deal=deals.get(m.deal_id or 0),
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
