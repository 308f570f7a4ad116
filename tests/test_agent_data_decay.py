"""data_decay on a small workspace: contacts someone should be working with and that
nothing touched for the knob's days get one low-priority check; idle, recently touched and
unqualified contacts do not; a message from the contact closes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import queue, settings
from daemon.store.models import Contact, Deal, DealContact, Move
from tests.data_agents import agent_pass, import_file, moves
from tests.mailfixtures import OPERATOR, Mail, write_mbox
from tests.store_fixtures import Store, add_contact

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)
AGENT = "data_decay"
DAY = timedelta(days=1)


async def person(
    s: AsyncSession, n: int, at: datetime, stage: str | None = "opportunity", **extra: object
) -> Contact:
    contact = await add_contact(s, n, at, **extra)
    contact.lifecycle_stage = stage
    await s.flush()
    return contact


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    old = NOW - 200 * DAY
    async with s.transaction() as session:
        # 1: an opportunity nobody touched for 200 days.
        await person(session, 1, old)
        # 2: marked unqualified: nobody needs them current.
        await person(session, 2, old, "unqualified")
        # 3: no stage, but on an open deal.
        on_deal = await person(session, 3, old, None)
        deal = Deal(
            name="Company 3 - Pilot",
            pipeline="default",
            stage="qualifiedtobuy",
            amount=12000,
            currency="USD",
            company_id=on_deal.company_id,
            created_at=old,
            updated_at=old,
        )
        session.add(deal)
        await session.flush()
        session.add(DealContact(deal_id=deal.id, contact_id=on_deal.id))
        # 4: an old record, but they wrote ten days ago.
        await person(session, 4, old, last_inbound_at=NOW - 10 * DAY)
        # 5: a customer updated 100 days ago: stale only under a 90-day knob.
        await person(session, 5, NOW - 100 * DAY, "customer")
    yield s
    await s.close()


async def test_stale_working_contacts_get_one_low_priority_check(store: Store) -> None:
    await agent_pass(store, NOW)
    found = {m.contact_id: m for m in await moves(store, AGENT)}
    assert sorted(found) == [1, 3]
    move = found[1]
    assert move.move_type == "data_fix" and move.dedup_key == "data_fix:contact:1:stale"
    assert move.title == "Check Person 1 (Company 1) is still current"
    assert "about 6 months" in move.why_now and "(opportunity)" in move.why_now
    # Low priority: the tier-B opportunity's weight is left out of the score.
    strategic = move.aps_breakdown["components"]["strategic"]
    assert "no account tier" in strategic["reason"]
    await agent_pass(store, NOW + DAY)  # the next day's check: the same moves, no more
    assert sorted(m.contact_id for m in await moves(store, AGENT)) == [1, 3]
    # A record stays wrong until fixed: the moves do not expire after a few weeks.
    await agent_pass(store, NOW + 40 * DAY)
    assert sorted(m.contact_id for m in await moves(store, AGENT)) == [1, 3]


async def test_the_days_knob(store: Store) -> None:
    async with store.transaction() as s:
        await settings.put(s, "agents.data_decay", {"days": 90})
    await agent_pass(store, NOW)
    assert sorted(m.contact_id for m in await moves(store, AGENT)) == [1, 3, 5]


async def test_a_message_from_the_contact_closes_the_check(store: Store, tmp_path: Path) -> None:
    await agent_pass(store, NOW)
    mail = Mail(
        "x1@company1.example",
        "Person 1 <person1@company1.example>",
        OPERATOR,
        "Still interested",
        NOW + DAY,
    )
    await import_file(store, write_mbox(tmp_path / "m.mbox", [mail]), NOW + DAY)
    await agent_pass(store, NOW + DAY)
    assert [m.contact_id for m in await moves(store, AGENT)] == [3]
    async with store.transaction() as s:
        move = await s.scalar(select(Move).where(Move.dedup_key == "data_fix:contact:1:stale"))
        assert move is not None and move.status == queue.RESOLVED


async def test_an_imported_crm_record_keeps_its_last_modified_date(tmp_path: Path) -> None:
    """A HubSpot export says when each contact last changed: a lead nobody touched for 200
    days is stale on the day it is imported, not made fresh by the import itself."""
    csv = tmp_path / "hubspot-contacts.csv"
    csv.write_text(
        "Record ID,First Name,Last Name,Email,Lifecycle Stage,Create Date,Last Modified Date\n"
        "1,Old,Lead,old.lead@harbor.example,Lead,2026-03-02 10:00,2026-05-08 11:00\n"
        "2,New,Lead,new.lead@harbor.example,Lead,2026-03-02 10:00,2026-11-20 11:00\n"
        "3,No,Date,no.date@harbor.example,Lead,2026-03-02 10:00,\n"
    )
    s = await Store.create(tmp_path / "w.sqlite3")
    try:
        await import_file(s, csv, NOW)
        await agent_pass(s, NOW)
        found = [m.title for m in await moves(s, AGENT)]
        assert found == ["Check Old Lead (Harbor) is still current"]
    finally:
        await s.close()
