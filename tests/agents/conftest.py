"""Agent tests: a real migrated workspace, rows made the short way, and a real pipeline pass
(detectors, every enabled agent, the queue) whose moves are then read back."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import pipeline
from daemon.store.models import (
    Company,
    Contact,
    Deal,
    DealContact,
    Meeting,
    MeetingAttendee,
    Message,
    Move,
    Signal,
    Thread,
)
from tests.store_fixtures import OPERATOR, Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday 10:00 in New York


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def run_pass(store: Store, now: datetime = NOW) -> dict[str, Any]:
    async with store.transaction() as s:
        return await pipeline.run(s, now)


async def moves(store: Store, agent: str, status: str | None = "pending") -> list[Move]:
    """The moves of one agent, oldest first."""
    async with store.transaction() as s:
        query = select(Move).where(Move.agent == agent).order_by(Move.id)
        if status is not None:
            query = query.where(Move.status == status)
        return list((await s.scalars(query)).all())


async def add_signal(store: Store, kind: str, at: datetime, key: str, **refs: Any) -> None:
    """A signal as a connector's ingest writes it (payload and references)."""
    payload = refs.pop("payload", {})
    async with store.transaction() as s:
        s.add(
            Signal(
                kind=kind,
                source="files",
                occurred_at=at,
                dedup_key=key,
                payload=payload,
                created_at=at,
                **refs,
            )
        )


async def add_meeting(
    store: Store,
    uid: str,
    start: datetime,
    end: datetime,
    attendees: list[tuple[str, int | None, str]],
    status: str = "confirmed",
) -> int:
    """A meeting with (email, contact id, response status) attendees; returns its id."""
    async with store.transaction() as s:
        meeting = Meeting(uid=uid, title=uid, start_at=start, end_at=end, status=status)
        s.add(meeting)
        await s.flush()
        for email, contact_id, response in attendees:
            s.add(
                MeetingAttendee(
                    meeting_id=meeting.id,
                    email=email,
                    response_status=response,
                    contact_id=contact_id,
                )
            )
        return meeting.id


async def add_person(
    s: AsyncSession,
    name: str,
    company: str,
    *,
    size: int | None = 200,
    industry: str | None = "fintech",
    tier: str | None = "B",
    **fields: Any,
) -> Contact:
    """A contact at a company of its own (made when new): 'Dana Reyes' at 'Acme' is
    dana@acme.example; `fields` are the contact's columns."""
    domain = company.lower().replace(" ", "") + ".example"
    found = await s.scalar(select(Company).where(Company.domain == domain))
    if found is None:
        found = Company(
            domain=domain,
            name=company,
            industry=industry,
            size=size,
            tier=tier,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(found)
        await s.flush()
    values: dict[str, Any] = {
        "title": "VP Finance",
        "lifecycle_stage": "opportunity",
        "starred": False,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    contact = Contact(
        email=f"{name.split()[0].lower()}@{domain}", name=name, company_id=found.id, **values
    )
    s.add(contact)
    await s.flush()
    return contact


async def add_mail(
    s: AsyncSession,
    contact: Contact,
    direction: str,
    at: datetime,
    subject: str,
    body: str = "",
    *,
    labels: list[str] | None = None,
) -> Message:
    """One message in a thread of its own between the operator and `contact`."""
    key = f"{contact.email}:{subject}:{at.isoformat()}"
    thread = Thread(thread_key=key, subject=subject, is_internal=False, last_message_at=at)
    s.add(thread)
    await s.flush()
    outbound = direction == "outbound"
    me = OPERATOR["emails"][0]
    message = Message(
        thread_id=thread.id,
        message_id=f"<{hashlib.sha1(key.encode()).hexdigest()[:16]}@mail.example>",
        from_addr=me if outbound else contact.email,
        to_addrs=[contact.email] if outbound else [me],
        cc_addrs=[],
        subject=subject,
        body=body or subject,
        sent_at=at,
        direction=direction,
        labels=labels or [],
        is_draft=False,
        contact_id=contact.id,
    )
    s.add(message)
    await s.flush()
    return message


async def add_deal(
    s: AsyncSession,
    name: str,
    stage: str,
    contacts: list[Contact],
    *,
    entered: datetime,
    amount: float | None = 40000,
    pipeline: str = "default",
    close_date: date | None = None,
) -> Deal:
    deal = Deal(
        name=name,
        pipeline=pipeline,
        stage=stage,
        amount=amount,
        currency="USD",
        close_date=close_date,
        company_id=contacts[0].company_id if contacts else None,
        stage_entered_at=entered,
        created_at=entered,
        updated_at=entered,
    )
    s.add(deal)
    await s.flush()
    for c in contacts:
        s.add(DealContact(deal_id=deal.id, contact_id=c.id))
    await s.flush()
    return deal
