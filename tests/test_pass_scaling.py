"""A pass's steps each read their own rows, whatever the size of the store: rescoring lists
the due moves once and takes them in steps, moves are closed through their thread's index,
and waiting signals are read in order through their own index and counted once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from agents.base import Resolution, SignalView
from daemon.domain import outcomes, pipeline, queue, settings
from daemon.store.engine import refresh_statistics
from daemon.store.models import Contact, Move, MoveEvent, Signal, Thread
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


def move_row(n: int, status: str = "pending", thread_id: int | None = None) -> dict[str, Any]:
    return {
        "title": f"Move {n}",
        "why_now": "because",
        "move_type": "follow_up" if thread_id else "task",
        "agent": "follow_up_due" if thread_id else "tester",
        "thread_id": thread_id,
        "aps": 10.0,
        "aps_breakdown": {},
        "score_inputs": {
            "move_type": "task",
            "urgency": {"basis": "due", "at": (NOW + timedelta(hours=n % 50)).isoformat()},
        },
        "due_at": NOW,
        "status": status,
        "dedup_key": f"m:{n}",
        "created_at": NOW - timedelta(days=1),
        "updated_at": NOW - timedelta(days=1),
        "rescore_at": NOW - timedelta(minutes=n % 7),
    }


async def test_a_rescore_in_steps_scores_every_due_move_once_from_one_listing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RESCORE_CHUNK", 7)
    statuses = ["pending", "accepted", "snoozed", "failed", "done", "dismissed"]
    async with store.transaction() as s:
        await s.execute(insert(Move), [move_row(n, statuses[n % len(statuses)]) for n in range(60)])
        await s.execute(
            Move.__table__.update()
            .where(Move.status == "snoozed")
            .values(snoozed_until=NOW + timedelta(days=2))
        )
        due = set((await s.scalars(select(Move.id).where(Move.status.in_(queue.OPEN)))).all())
        # New weights: every open move is due again, at the same `now`.
        await settings.put(
            s, "aps.weights", {"revenue": 0.1, "urgency": 0.6, "strategic": 0.2, "effort": 0.1}
        )
    with store.counting():
        async with store.transaction() as s:
            report = await pipeline.run(s, NOW)
    rescored = [
        params[-1]
        for statement, batch in store.calls
        if statement.startswith("UPDATE moves SET aps=")
        for params in batch
    ]
    assert sorted(rescored) == sorted(due), "every open move once, and nothing else"
    assert report["rescored"] == len(due) == 40 and report["rescore_due"] == 0
    # Taken in the order of the table's rows, so each step writes neighbouring rows.
    assert rescored == sorted(rescored)
    # Six steps of seven, but the due range is read once; no step counts what is left.
    listings = [
        st
        for st, _ in store.calls
        if st.startswith("SELECT moves.id") and "moves.rescore_at <= ?" in st and "ORDER" not in st
    ]
    assert len(listings) == 1, listings
    assert not [st for st, _ in store.calls if "count(*)" in st and "FROM moves" in st]
    async with store.transaction() as s:
        left = await s.scalar(
            select(Move.id).where(Move.status.in_(queue.OPEN), Move.rescore_at <= NOW)
        )
    assert left is None


async def test_moves_of_a_chunk_of_threads_are_found_through_the_thread_index(
    store: Store,
) -> None:
    """Most moves name no thread; the planner must still look the threads' moves up."""
    async with store.transaction() as s:
        await s.execute(
            insert(Thread),
            [
                {"thread_key": f"t{i}", "subject": f"S {i}", "is_internal": False}
                for i in range(100)
            ],
        )
        threads = list((await s.scalars(select(Thread.id).order_by(Thread.id))).all())
        rows = [move_row(n, "pending" if n % 6 == 0 else "done") for n in range(6000)]
        rows += [move_row(6000 + i, "pending", thread_id=t) for i, t in enumerate(threads)]
        await s.execute(insert(Move), rows)
        later = NOW + timedelta(days=1)
        await s.execute(
            insert(Signal),
            [
                {
                    "kind": "email.received",
                    "source": "files",
                    "occurred_at": later,
                    "dedup_key": f"answer:{t}",
                    "payload": {},
                    "thread_id": t,
                    "created_at": later,
                }
                for t in threads
            ],
        )
        answers = (await s.execute(select(Signal.id, Signal.thread_id))).all()
    await refresh_statistics(store.engine)
    items = [
        (
            "follow_up_due",
            Resolution("follow_up", "thread_id", t, "they answered"),
            SignalView(sid, "email.received", later, {}, None, None, None, t, None),
        )
        for sid, t in answers
    ]
    with store.counting():
        async with store.transaction() as s:
            closed = await queue.resolve(s, items, later)
    assert len(closed) == len(threads)
    lookups = [(st, p) for st, p in store.calls if "FROM moves" in st and "thread_id IN" in st]
    assert lookups
    for statement, params in lookups:
        assert "USING INDEX ix_moves_thread_id" in await store.plan(statement, params)


async def test_moves_of_a_chunk_of_contacts_are_found_through_the_contact_index(
    store: Store,
) -> None:
    """Each contact has a few moves, most decided; the status index must not be walked."""
    async with store.transaction() as s:
        await s.execute(
            insert(Contact),
            [
                {
                    "email": f"p{i}@acme.example",
                    "starred": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(3000)
            ],
        )
        contacts = list((await s.scalars(select(Contact.id).order_by(Contact.id))).all())
        rows = []
        for n in range(9000):
            row = move_row(n, "pending" if n % 3 == 0 else "done")
            row.update(agent="nurture", move_type="check_in", contact_id=contacts[n % 3000])
            rows.append(row)
        await s.execute(insert(Move), rows)
        pending = sum(r["status"] == "pending" and r["contact_id"] in contacts[:200] for r in rows)
        later = NOW + timedelta(days=1)
        await s.execute(
            insert(Signal),
            [
                {
                    "kind": "email.sent",
                    "source": "files",
                    "occurred_at": later,
                    "dedup_key": f"sent:{c}",
                    "payload": {},
                    "contact_id": c,
                    "created_at": later,
                }
                for c in contacts[:200]
            ],
        )
        sent = (await s.execute(select(Signal.id, Signal.contact_id))).all()
    await refresh_statistics(store.engine)
    items = [
        (
            "nurture",
            Resolution("check_in", "contact_id", c, "you were in touch"),
            SignalView(sid, "email.sent", later, {}, c, None, None, None, None),
        )
        for sid, c in sent
    ]
    with store.counting():
        async with store.transaction() as s:
            closed = await queue.resolve(s, items, later)
    assert len(closed) == pending > 0, "the pending moves of the 200 contacts, and only those"
    lookups = [(st, p) for st, p in store.calls if "FROM moves" in st and "contact_id IN" in st]
    assert lookups
    for statement, params in lookups:
        assert "USING INDEX ix_moves_contact_id" in await store.plan(statement, params)


async def test_a_pass_reads_waiting_signals_in_order_by_their_index_and_counts_them_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "PROCESS_CHUNK", 50)
    async with store.transaction() as s:
        await s.execute(
            insert(Signal),
            [
                {
                    "kind": "note.added",  # no agent reads notes: the pass only walks them
                    "source": "files",
                    "occurred_at": NOW - timedelta(minutes=n // 3),
                    "dedup_key": f"note:{n}",
                    "payload": {},
                    "created_at": NOW,
                }
                for n in range(1200)
            ],
        )
    await refresh_statistics(store.engine)
    with store.counting():
        async with store.transaction() as s:
            report = await pipeline.run(s, NOW)
    assert report["signals"] == 1200 and report["remaining"] == 0
    reads = [(st, p) for st, p in store.calls if st.startswith("SELECT signals.id")]
    assert len(reads) > 3, "the pass went in several chunks"
    for statement, params in reads:
        plan = await store.plan(statement, params)
        assert "ix_signals_waiting" in plan and "TEMP B-TREE" not in plan, plan
    counts = [st for st, _ in store.calls if "count(*)" in st and "FROM signals" in st]
    assert len(counts) <= 2, "counted after the first chunk and at the end, not after each"


async def test_done_moves_of_a_chunk_of_threads_are_found_through_the_thread_index(
    store: Store,
) -> None:
    """Outcome detection looks up the done moves of the threads that got mail; most done
    moves name no thread, and the status index must not be walked to find the others."""
    async with store.transaction() as s:
        await s.execute(
            insert(Thread),
            [
                {"thread_key": f"t{i}", "subject": f"S {i}", "is_internal": False}
                for i in range(100)
            ],
        )
        threads = list((await s.scalars(select(Thread.id).order_by(Thread.id))).all())
        rows = [move_row(n, "done") for n in range(6000)]
        rows += [move_row(6000 + i, "done", thread_id=t) for i, t in enumerate(threads)]
        await s.execute(insert(Move), rows)
        ids = list((await s.scalars(select(Move.id))).all())
        await s.execute(
            insert(MoveEvent),
            [
                {"move_id": i, "from_status": "accepted", "to_status": "done", "at": NOW}
                for i in ids
            ],
        )
    await refresh_statistics(store.engine)
    with store.counting():
        async with store.transaction() as s:
            found = await outcomes._done_moves(s, threads=threads[:50], since=NOW - timedelta(1))
    assert len(found) == 50
    lookups = [(st, p) for st, p in store.calls if "FROM moves" in st and "thread_id IN" in st]
    assert lookups
    for statement, params in lookups:
        plan = await store.plan(statement, params)
        assert "SCAN moves" not in plan and "ix_moves_status" not in plan, plan
