"""The pipeline in chunks: `process` takes the oldest signals first and says what is left,
resolution closes only with a later fact, and a chunk costs a flat number of queries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.demo import build_demo
from connectors.files import parse_file
from daemon.domain import pipeline, settings
from daemon.domain.facts import StoreFacts
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import Move, MoveEvent, MoveSignal, Signal
from tests.store_fixtures import Store, add_contact, add_thread, hours

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday 10:00 in New York


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


def mail_signal(kind: str, thread_id: int, contact_id: int, at: datetime, mid: str) -> Signal:
    return Signal(
        kind=kind,
        source="files",
        occurred_at=at,
        dedup_key=f"{kind}:{mid}",
        payload={"message_id": mid},
        contact_id=contact_id,
        thread_id=thread_id,
        created_at=at,
    )


async def unanswered_threads(store: Store, n: int, start: int = 1) -> None:
    """n threads where a contact wrote last, each with its `email.received` signal."""
    async with store.transaction() as s:
        for i in range(start, start + n):
            contact = await add_contact(s, i, NOW)
            at = NOW - hours(2 + i / 100)
            thread = await add_thread(s, f"t{i}", contact, [("inbound", at)])
            s.add(
                mail_signal("email.received", thread.id, contact.id, at, f"<t{i}-0@mail.example>")
            )


async def test_process_takes_the_oldest_signals_and_reports_what_is_left(store: Store) -> None:
    await unanswered_threads(store, 12)
    async with store.transaction() as s:
        first = await pipeline.process(s, NOW, 5)
    assert first["signals"] == 5 and first["proposed"] == 5 and first["remaining"] == 7
    async with store.transaction() as s:
        oldest = (
            await s.scalars(select(Signal).order_by(Signal.occurred_at, Signal.id).limit(5))
        ).all()
        assert all(sig.processed_at == NOW for sig in oldest)
    reports = []
    while True:
        async with store.transaction() as s:
            reports.append(await pipeline.process(s, NOW, 5))
        if not reports[-1]["remaining"]:
            break
    assert [r["signals"] for r in reports] == [5, 2]
    async with store.transaction() as s:
        assert await pipeline.process(s, NOW, 5) == {
            "failed_agents": 0,
            "signals": 0,
            "proposed": 0,
            "updated": 0,
            "resolved": 0,
            "outcomes": 0,
            "remaining": 0,
        }
        moves = (await s.scalars(select(Move))).all()
    assert len(moves) == 12 and {m.agent for m in moves} == {"reply_needed"}


async def test_only_a_later_fact_resolves_and_the_first_one_is_recorded(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        wrote = NOW - hours(10)
        thread = await add_thread(s, "t1", dana, [("inbound", wrote)])
        s.add(mail_signal("email.received", thread.id, dana.id, wrote, "<in>"))
    async with store.transaction() as s:
        await pipeline.run(s, NOW)
        [move] = (await s.scalars(select(Move))).all()
    # An old reply of ours (imported late) changes nothing; two later ones close it once.
    async with store.transaction() as s:
        for mid, at in (
            ("<old>", wrote - hours(5)),
            ("<a>", wrote + hours(1)),
            ("<b>", wrote + hours(2)),
        ):
            s.add(mail_signal("email.sent", thread.id, dana.id, at, mid))
    async with store.transaction() as s:
        report = await pipeline.process(s, NOW, 10)
    assert report["resolved"] == 1
    async with store.transaction() as s:
        closed = await s.get(Move, move.id)
        assert closed is not None and closed.status == "resolved"
        assert closed.status_reason == "you replied"
        history = (
            await s.scalars(
                select(MoveEvent).where(MoveEvent.move_id == move.id).order_by(MoveEvent.id)
            )
        ).all()
        assert [(e.from_status, e.to_status) for e in history] == [
            (None, "pending"),
            ("pending", "resolved"),
        ]
        linked = (
            await s.scalars(
                select(Signal.dedup_key)
                .join(MoveSignal, MoveSignal.signal_id == Signal.id)
                .where(MoveSignal.move_id == move.id)
                .order_by(Signal.id)
            )
        ).all()
    assert linked == ["email.received:<in>", "email.sent:<a>"]


async def test_a_chunk_costs_a_flat_number_of_queries(store: Store) -> None:
    counts = []
    for start, n in ((1, 10), (11, 40)):
        await unanswered_threads(store, n, start)
        async with store.transaction() as s:
            with store.counting() as statements:
                report = await pipeline.process(s, NOW, 100)
        assert report["proposed"] == n
        counts.append(len(statements))
    assert counts[0] == counts[1], "40 signals cost what 10 do"


async def test_prefetched_facts_are_the_facts(tmp_path: Path, store: Store) -> None:
    """On the demo workspace, every answer after `prefetch` equals the one-by-one answer."""
    demo = build_demo(tmp_path / "demo", NOW)
    async with store.transaction() as s:
        await settings.put_operator(s, demo.operator)
        job = Ingest(demo.operator, NOW, "files")
        for path in demo.files:
            await write_chunk(job, s, parse_file(path, demo.operator, now=NOW))
    async with store.transaction() as s:
        assert await pipeline.housekeeping(s, NOW)
        rows = (await s.scalars(select(Signal).where(Signal.processed_at.is_(None)))).all()
        signals = [pipeline.view(r) for r in rows]
        assert len({s.kind for s in signals}) >= 6
        tz = await settings.timezone(s)
        operator = await settings.operator(s)
        bulk = StoreFacts(s, NOW, tz, operator)
        with store.counting() as statements:
            await bulk.prefetch(signals)
        assert len(statements) <= 20
        with store.counting() as after:
            answers = await _ask_everything(bulk, signals)
        assert after == [], "everything agents ask about was prefetched"
        one_by_one = await _ask_everything(StoreFacts(s, NOW, tz, operator), signals)
    assert answers == one_by_one
    assert sum(a is not None for a in answers) > 50


async def _ask_everything(facts: StoreFacts, signals: list) -> list[object]:
    out: list[object] = []
    for sig in signals:
        if sig.thread_id is not None:
            thread = await facts.thread(sig.thread_id)
            out.append(thread)
            for m in thread.messages if thread else []:
                out.append(await facts.contact(m.contact_id) if m.contact_id else None)
        if sig.meeting_id is not None:
            meeting = await facts.meeting(sig.meeting_id)
            out.append(meeting)
            for a in meeting.attendees if meeting else []:
                out.append(await facts.contact(a.contact_id) if a.contact_id else None)
        if sig.deal_id is not None:
            out.append(await facts.deal(sig.deal_id))
        if sig.payload.get("task_id") is not None:
            task = await facts.task(int(sig.payload["task_id"]))
            out.append(task)
            if task and task.deal_id:
                out.append(await facts.deal(task.deal_id))
        if sig.contact_id is not None:
            contact = await facts.contact(sig.contact_id)
            out.append(contact)
            if contact is not None:
                out.append(await facts.open_deal(contact.id, contact.company_id))
    return out


async def test_run_in_one_transaction_still_does_everything(store: Store) -> None:
    await unanswered_threads(store, 450)
    async with store.transaction() as s:
        report = await pipeline.run(s, NOW)
        left = await s.scalar(select(func.count()).where(Signal.processed_at.is_(None)))
    assert report["signals"] == 450 and report["proposed"] == 450
    assert report["remaining"] == 0 and left == 0
    async with store.transaction() as s:
        again = await pipeline.run(s, NOW + timedelta(minutes=1))
    assert again["signals"] == 0 and again["proposed"] == 0
