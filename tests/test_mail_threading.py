"""Mail threads follow Message-ID, In-Reply-To and References transitively, in any order.

Real mbox files through the real parser, the files connector's chunks and the ingest writer
into a migrated SQLite store, then a real agent pass: one conversation is one thread and
one move, however its messages arrive (one file, chunks of one import, several imports).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import corpus
from connectors.base import SyncBatch
from connectors.files.connector import FileConnector, sha256_of
from daemon.domain import pipeline, queue
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import Message, Move, Signal, Thread, ThreadRef
from tests.mailfixtures import OPERATOR, Mail, write_mbox
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday
ZOE = "Zoe Park <zoe@lumen.example>"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def import_mbox(store: Store, path: Path, chunk_size: int = 500) -> None:
    """What an import job does: the connector's chunks, each in its own transaction."""
    op = corpus.operator()
    connector = FileConnector(path, op, "mbox", sha256_of(path), NOW, chunk_size)
    job = Ingest(op, NOW, "files")
    batch: SyncBatch
    async for batch in connector.sync(connector.stream, None):
        async with store.transaction() as s:
            await write_chunk(job, s, batch)


async def agent_pass(store: Store) -> None:
    async with store.transaction() as s:
        await pipeline.run(s, NOW)


# Zoe writes, Casey answers, Zoe answers again; each reply names only its parent (Outlook).
CHAIN = [
    Mail(
        "a@lumen.example",
        ZOE,
        OPERATOR,
        "Pricing for Lumen",
        datetime(2026, 11, 16, 14, tzinfo=UTC),
    ),
    Mail(
        "b@northwind.example",
        OPERATOR,
        ZOE,
        "Re: Pricing for Lumen",
        datetime(2026, 11, 17, 15, tzinfo=UTC),
        in_reply_to="a@lumen.example",
        labels="Sent",
    ),
    Mail(
        "c@lumen.example",
        ZOE,
        OPERATOR,
        "RE: Pricing for Lumen",
        datetime(2026, 11, 24, 16, tzinfo=UTC),
        in_reply_to="b@northwind.example",
    ),
]


async def threads_and_open_moves(store: Store) -> tuple[list[Thread], list[Move]]:
    async with store.transaction() as s:
        threads = list((await s.scalars(select(Thread).order_by(Thread.id))).all())
        moves = list(
            await s.scalars(select(Move).where(Move.status.in_(queue.OPEN)).order_by(Move.id))
        )
        return threads, moves


async def assert_one_conversation(store: Store) -> None:
    threads, moves = await threads_and_open_moves(store)
    assert len(threads) == 1
    [thread] = threads
    assert thread.subject == "Pricing for Lumen"  # the first message's, whatever came first
    assert thread.last_message_at == CHAIN[-1].at
    assert not thread.is_internal
    # Zoe wrote last: a reply is due, and no follow-up on Casey's earlier answer.
    assert [(m.move_type, m.thread_id) for m in moves] == [("reply", thread.id)]
    assert moves[0].title.startswith("Reply to Zoe")
    assert moves[0].dedup_key == f"reply:{thread.id}:c@lumen.example"
    async with store.transaction() as s:
        assert set((await s.scalars(select(Message.thread_id))).all()) == {thread.id}
        assert set(
            (await s.scalars(select(Signal.thread_id).where(Signal.kind.like("email.%")))).all()
        ) == {thread.id}
        assert set((await s.scalars(select(ThreadRef.thread_id))).all()) <= {thread.id}
        # Zoe's second message answers Casey's: derived once the thread is whole.
        assert (
            await s.scalar(
                select(func.count()).select_from(Signal).where(Signal.kind == "email.replied")
            )
            == 1
        )


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_a_parent_only_chain_is_one_thread_in_one_file_in_any_order(
    store: Store, tmp_path: Path, order: tuple[int, ...]
) -> None:
    path = write_mbox(tmp_path / "mail.mbox", [CHAIN[i] for i in order])
    await import_mbox(store, path)
    await agent_pass(store)
    await assert_one_conversation(store)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_a_parent_only_chain_imported_a_message_at_a_time_ends_as_one_thread_and_one_move(
    store: Store, tmp_path: Path, order: tuple[int, ...]
) -> None:
    # After each import the agents work: moves made while the conversation looked like two
    # must not survive as a contradiction once a later message links the halves.
    for n, i in enumerate(order):
        await import_mbox(store, write_mbox(tmp_path / f"{n}.mbox", [CHAIN[i]]))
        await agent_pass(store)
    await assert_one_conversation(store)


async def test_a_second_import_that_links_two_threads_merges_them(
    store: Store, tmp_path: Path
) -> None:
    # Casey's answer is missing from the first file: Zoe's two messages look like two threads.
    await import_mbox(store, write_mbox(tmp_path / "1.mbox", [CHAIN[0], CHAIN[2]]))
    await agent_pass(store)
    threads, moves = await threads_and_open_moves(store)
    assert len(threads) == 2
    kept = min(t.id for t in threads)
    gone = max(t.id for t in threads)
    assert sorted(m.dedup_key for m in moves) == [
        f"reply:{kept}:a@lumen.example",
        f"reply:{gone}:c@lumen.example",
    ]

    await import_mbox(store, write_mbox(tmp_path / "2.mbox", [CHAIN[1]]))
    async with store.transaction() as s:
        assert (await s.scalars(select(Thread.id))).all() == [kept]
        # The absorbed thread's move follows it, under the key the agent would give it now.
        moved = await s.scalar(
            select(Move).where(Move.dedup_key == f"reply:{kept}:c@lumen.example")
        )
        assert moved is not None and moved.thread_id == kept
        assert moved.prepared_action is not None and moved.prepared_action["thread_id"] == kept
        # The whole conversation goes back to the agents.
        waiting = (
            await s.scalars(select(Signal.dedup_key).where(Signal.processed_at.is_(None)))
        ).all()
        assert "email.received:a@lumen.example" in waiting
    await agent_pass(store)
    await assert_one_conversation(store)
    async with store.transaction() as s:
        first = await s.scalar(
            select(Move).where(Move.dedup_key == f"reply:{kept}:a@lumen.example")
        )
        assert first is not None and first.status == "resolved"  # Casey's answer made it moot


async def test_a_conversation_whose_last_word_is_ours_gets_one_follow_up(
    store: Store, tmp_path: Path
) -> None:
    # Casey wrote, Zoe answered, Casey wrote again a week ago; parent-only references, and
    # Casey's last message came first: before, "Reply to Zoe" and "Follow up with Zoe".
    base = datetime(2026, 11, 10, 14, tzinfo=UTC)
    mails = [
        Mail("p@northwind.example", OPERATOR, ZOE, "Intro", base, labels="Sent"),
        Mail(
            "q@lumen.example",
            ZOE,
            OPERATOR,
            "Re: Intro",
            base + timedelta(days=1),
            in_reply_to="p@northwind.example",
        ),
        Mail(
            "r@northwind.example",
            OPERATOR,
            ZOE,
            "Re: Intro",
            base + timedelta(days=8),
            in_reply_to="q@lumen.example",
            labels="Sent",
        ),
    ]
    for n, mail in enumerate([mails[2], mails[0], mails[1]]):
        await import_mbox(store, write_mbox(tmp_path / f"{n}.mbox", [mail]))
        await agent_pass(store)
    threads, moves = await threads_and_open_moves(store)
    assert len(threads) == 1
    assert [(m.move_type, m.dedup_key) for m in moves] == [
        ("follow_up", f"follow_up:{threads[0].id}:r@northwind.example")
    ]
    assert moves[0].title.startswith("Follow up with Zoe")


def conversations(n: int, seed: int = 7) -> list[Mail]:
    """`n` four-message conversations, each reply naming only its parent."""
    rng = random.Random(seed)
    mails = []
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for c in range(n):
        who = f"Person {c} <person{c}@company{c % 50}.example>"
        at = start + timedelta(hours=rng.randint(0, 24 * 60))
        parent = None
        for k in range(4):
            ours = k % 2 == 1
            mid = f"c{c}-m{k}@{'northwind' if ours else 'company'}.example"
            mails.append(
                Mail(
                    mid,
                    OPERATOR if ours else who,
                    who if ours else OPERATOR,
                    ("Re: " if k else "") + f"Topic {c}",
                    at,
                    in_reply_to=parent,
                    labels="Sent" if ours else "Inbox",
                )
            )
            parent = mid
            at += timedelta(hours=rng.randint(1, 72))
    return mails


@pytest.mark.parametrize("shuffled", [False, True])
async def test_parent_only_conversations_are_one_thread_each(
    store: Store, tmp_path: Path, shuffled: bool
) -> None:
    mails = conversations(200)
    if shuffled:
        random.Random(3).shuffle(mails)
    # Small chunks (50 of 800 messages), so replies and the messages they name often land
    # in different chunks.
    await import_mbox(store, write_mbox(tmp_path / "mail.mbox", mails), chunk_size=50)
    async with store.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Thread)) == 200
        sizes = (
            await s.execute(
                select(Thread.subject, func.count(Message.id))
                .join(Message, Message.thread_id == Thread.id)
                .group_by(Thread.id)
            )
        ).all()
    assert sorted(sizes) == sorted((f"Topic {c}", 4) for c in range(200))


async def test_gmail_thread_ids_decide_over_headers(store: Store, tmp_path: Path) -> None:
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    mails = [
        # Gmail put a reply with a new subject in a thread of its own: that stands.
        Mail("g1@lumen.example", ZOE, OPERATOR, "Pricing", at, thread="1001"),
        Mail(
            "g2@northwind.example",
            OPERATOR,
            ZOE,
            "New topic",
            at + timedelta(hours=1),
            in_reply_to="g1@lumen.example",
            labels="Sent",
            thread="1002",
        ),
        # Same Gmail thread, no headers linking them: one thread.
        Mail(
            "g3@lumen.example", ZOE, OPERATOR, "Pricing (2)", at + timedelta(hours=2), thread="1001"
        ),
    ]
    await import_mbox(store, write_mbox(tmp_path / "1.mbox", mails))
    # A later message from another client names messages of both Gmail threads: it joins
    # one, and the two stay apart.
    late = Mail(
        "h@lumen.example",
        ZOE,
        OPERATOR,
        "Re: both",
        at + timedelta(hours=3),
        in_reply_to="g2@northwind.example",
        references=["g1@lumen.example", "g2@northwind.example"],
    )
    await import_mbox(store, write_mbox(tmp_path / "2.mbox", [late]))
    async with store.transaction() as s:
        rows = (
            await s.execute(
                select(Message.message_id, Thread.thread_key, Thread.from_source)
                .join(Thread, Thread.id == Message.thread_id)
                .order_by(Message.message_id)
            )
        ).all()
    by_id = {mid: (key, src) for mid, key, src in rows}
    assert by_id["g1@lumen.example"] == by_id["g3@lumen.example"] == ("3e9", True)
    assert by_id["g2@northwind.example"] == ("3ea", True)
    assert by_id["h@lumen.example"][0] in {"3e9", "3ea"}
    assert len({key for key, _ in by_id.values()}) == 2


async def test_a_thread_found_by_headers_takes_the_gmail_id_when_it_comes(
    store: Store, tmp_path: Path
) -> None:
    # Mail from another client first, then Gmail's export of the same conversation.
    plain = [CHAIN[0], CHAIN[1]]
    await import_mbox(store, write_mbox(tmp_path / "1.mbox", plain))
    gmail = [
        Mail(
            m.msg_id,
            m.frm,
            m.to,
            m.subject,
            m.at,
            in_reply_to=m.in_reply_to,
            labels=m.labels,
            thread="1001",
        )
        for m in CHAIN
    ]
    await import_mbox(store, write_mbox(tmp_path / "2.mbox", gmail))
    async with store.transaction() as s:
        [(key, from_source)] = (
            await s.execute(select(Thread.thread_key, Thread.from_source))
        ).all()
        assert (key, from_source) == ("3e9", True)
        assert await s.scalar(select(func.count()).select_from(Message)) == 3
