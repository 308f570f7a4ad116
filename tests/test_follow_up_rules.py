"""What reply_needed and follow_up_due must and must not propose, on small real mailboxes.

Each mbox goes through the real parser, the files connector and the ingest writer into a
migrated SQLite workspace, then a real agent pass: out-of-office replies, newsletters,
internal threads, answered threads, capped follow-ups and requests not to be contacted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bench import corpus
from connectors.base import SyncBatch
from connectors.files.connector import FileConnector, sha256_of
from daemon.domain import pipeline, settings
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import Contact, Move, MoveEvent, Signal
from tests.mailfixtures import OPERATOR, Mail, write_mbox
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday, 10:00 in New York
ZOE = "Zoe Park <zoe@lumen.example>"
ZOE_ADDR = "zoe@lumen.example"
SENT = NOW - timedelta(days=9)  # Monday 16 Nov: seven business days ago
OOO_BODY = (
    "Thank you for your message. I am out of the office and back on Monday 7 December, "
    "with limited access to email.\n\nOn Mon, Casey Morgan wrote:\n> Hi Zoe"
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def import_mail(store: Store, tmp_path: Path, name: str, mails: list[Mail]) -> None:
    path = write_mbox(tmp_path / name, mails)
    op = corpus.operator()
    connector = FileConnector(path, op, "mbox", sha256_of(path), NOW, 500)
    job = Ingest(op, NOW, "files")
    batch: SyncBatch
    async for batch in connector.sync(connector.stream, None):
        async with store.transaction() as s:
            await write_chunk(job, s, batch)


async def agent_pass(store: Store, now: datetime = NOW) -> None:
    async with store.transaction() as s:
        await pipeline.run(s, now)


async def moves(store: Store, agent: str | None = None) -> list[Move]:
    async with store.transaction() as s:
        query = select(Move).order_by(Move.id)
        if agent:
            query = query.where(Move.agent == agent)
        return list((await s.scalars(query)).all())


def ours(msg_id: str, subject: str, at: datetime, to: str = ZOE, thread: str = "700") -> Mail:
    return Mail(
        msg_id,
        OPERATOR,
        to,
        subject,
        at,
        body="Hi, a note on the plan.",
        labels="Sent",
        thread=thread,
    )


def auto_reply(msg_id: str, headers: dict[str, str], subject: str, thread: str = "700") -> Mail:
    return Mail(
        msg_id,
        ZOE,
        OPERATOR,
        subject,
        SENT + timedelta(minutes=2),
        body=OOO_BODY,
        in_reply_to="ask@northwind",
        thread=thread,
        headers=headers,
    )


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: Rollout plan"),
        ({"X-Autoreply": "yes"}, "Re: Rollout plan"),
        ({"X-Auto-Response-Suppress": "All"}, "Re: Rollout plan"),
        ({}, "Automatic reply: Rollout plan"),
        ({}, "Out of Office: Rollout plan"),
    ],
)
async def test_an_out_of_office_reply_is_no_answer(
    store: Store, tmp_path: Path, headers: dict[str, str], subject: str
) -> None:
    # A person writing about being away is no auto-reply; a mailing is no person.
    human = Mail(
        "human@lumen",
        "Ana Ruiz <ana@lumen.example>",
        OPERATOR,
        "Out of office next week?",
        NOW - timedelta(hours=3),
        body="Could we move Tuesday's call? I'm out next week.",
        thread="701",
    )
    newsletter = Mail(
        "news@lumen",
        "Lumen News <news@lumen.example>",
        OPERATOR,
        "Automatic reply tips for your team",
        NOW - timedelta(hours=2),
        body="Our November digest. Unsubscribe at any time.",
        thread="702",
        headers={"List-Unsubscribe": "<mailto:leave@lumen.example>"},
    )
    await import_mail(
        store,
        tmp_path,
        "a.mbox",
        [
            ours("ask@northwind", "Rollout plan", SENT),
            auto_reply("ooo@lumen", headers, subject),
            human,
            newsletter,
        ],
    )
    await agent_pass(store)
    # An auto-reply wants no answer; the person does.
    assert [m.title for m in await moves(store, "reply_needed")] == ["Reply to Ana Ruiz (Lumen)"]
    async with store.transaction() as s:
        assert (
            await s.scalars(select(Signal).where(Signal.kind == "contact.opted_out"))
        ).all() == []
    [move] = await moves(store, "follow_up_due")
    # (Known only from our mail and her auto-reply: no name yet.)
    assert move.title == "Follow up with zoe@lumen.example (Lumen)"
    assert "no answer after 7 business days" in move.why_now
    assert "Their out-of-office reply says they are back on Mon 7 Dec" in move.why_now
    # Due the morning they are back, in the operator's zone: not chased while away.
    assert move.due_at == datetime(2026, 12, 7, 14, tzinfo=UTC)


async def test_a_late_auto_reply_leaves_the_follow_up_open_a_real_answer_closes_it(
    store: Store, tmp_path: Path
) -> None:
    await import_mail(store, tmp_path, "a.mbox", [ours("ask@northwind", "Rollout plan", SENT)])
    await agent_pass(store)
    [move] = await moves(store, "follow_up_due")
    assert move.status == "pending"

    late = auto_reply("ooo@lumen", {"Auto-Submitted": "auto-replied"}, "Re: Rollout plan")
    late.at = NOW - timedelta(hours=2)
    late.body = "I'm away until 7 Dec."
    await import_mail(store, tmp_path, "b.mbox", [late])
    await agent_pass(store, NOW + timedelta(minutes=5))
    [move] = await moves(store, "follow_up_due")
    assert move.status == "pending", "an out-of-office reply never stops the follow-up clock"
    assert await moves(store, "reply_needed") == []
    assert await replied(store) == [], "an out-of-office reply is nobody replying"

    real = Mail(
        "real@lumen",
        ZOE,
        OPERATOR,
        "Re: Rollout plan",
        NOW - timedelta(hours=1),
        body="Looks good, let's talk Thursday.",
        in_reply_to="ask@northwind",
        thread="700",
    )
    await import_mail(store, tmp_path, "c.mbox", [real])
    await agent_pass(store, NOW + timedelta(minutes=10))
    [move] = await moves(store, "follow_up_due")
    assert move.status == "resolved" and move.status_reason == "they answered"
    [reply] = await moves(store, "reply_needed")
    assert reply.title == "Reply to Zoe Park (Lumen)"
    assert await replied(store) == ["email.replied:real@lumen"]


async def replied(store: Store) -> list[str]:
    async with store.transaction() as s:
        query = select(Signal.dedup_key).where(Signal.kind == "email.replied")
        return list((await s.scalars(query)).all())


def weekdays_before(at: datetime, days: int) -> datetime:
    while days:
        at -= timedelta(days=1)
        days -= at.weekday() < 5
    return at


def chase(n: int, thread: str = "710", start: int = 20) -> list[Mail]:
    """Our opening email and n unanswered bumps, four business days apart."""
    mails = []
    for i in range(n + 1):
        at = weekdays_before(NOW, start - 4 * i)
        subject = "Rollout plan" if i == 0 else "Re: Rollout plan"
        mails.append(ours(f"t{thread}-{i}@northwind", subject, at, thread=thread))
    return mails


async def test_follow_ups_are_capped_with_one_close_the_loop_move(
    store: Store, tmp_path: Path
) -> None:
    two = chase(2, thread="711", start=12)  # last bump 4 business days ago
    three = chase(3, thread="712", start=16)
    four = chase(4, thread="713", start=20)  # the close-the-loop email went out too
    # Three of ours, but a real answer after the first: one bump since.
    answered = chase(3, thread="714", start=16)
    answered.insert(
        2,
        Mail(
            "ans@lumen",
            "Ana Ruiz <ana@lumen.example>",
            OPERATOR,
            "Re: Rollout plan",
            answered[1].at + timedelta(hours=3),
            body="Busy week, will look soon.",
            thread="714",
        ),
    )
    for mails, who in ((two, ZOE), (three, "Bo Lin <bo@kestrel.example>")):
        for m in mails:
            m.to = who
    for m in four:
        m.to = "Cy Dale <cy@granite.example>"
    for m in answered:
        if m.frm == OPERATOR:
            m.to = "Ana Ruiz <ana@lumen.example>"
    await import_mail(store, tmp_path, "a.mbox", [*two, *three, *four, *answered])
    await agent_pass(store)
    by_title = {m.title: m for m in await moves(store, "follow_up_due")}
    assert sorted(by_title) == [
        "Close the loop with bo@kestrel.example (Kestrel)",
        "Follow up with Ana Ruiz (Lumen)",
        "Follow up with zoe@lumen.example (Lumen)",
    ]
    closing = by_title["Close the loop with bo@kestrel.example (Kestrel)"]
    assert "3 follow-ups went unanswered: close the loop" in closing.why_now
    assert closing.prepared_action is not None
    assert closing.prepared_action["variant"] == "close_the_loop"
    assert "stop following up" in closing.prepared_action["body"]
    assert closing.score_inputs["variant"] == "close_the_loop"


async def test_max_bumps_is_the_operators_knob(store: Store, tmp_path: Path) -> None:
    async with store.transaction() as s:
        await settings.put(s, "agents.follow_up_due", {"max_bumps": 1})
    await import_mail(store, tmp_path, "a.mbox", [*chase(1, start=8), *chase(2, "720", 12)])
    await agent_pass(store)
    assert [m.title for m in await moves(store, "follow_up_due")] == [
        "Close the loop with zoe@lumen.example (Lumen)"
    ]


async def test_a_request_not_to_be_contacted_marks_the_contact_and_ends_the_chase(
    store: Store, tmp_path: Path
) -> None:
    first = [
        ours("a@northwind", "Rollout plan", SENT, thread="730"),
        ours("b@northwind", "Pricing", SENT + timedelta(days=1), thread="731"),
        # Internal: a colleague's "remove me" is about a thread, not a contact's wish.
        Mail(
            "int@northwind",
            "Lee <lee@northwind.example>",
            OPERATOR,
            "Standup",
            NOW - timedelta(hours=5),
            body="Please remove me from this thread.",
            thread="732",
        ),
    ]
    await import_mail(store, tmp_path, "a.mbox", first)
    await agent_pass(store)
    assert len([m for m in await moves(store, "follow_up_due") if m.status == "pending"]) == 2

    stop = Mail(
        "stop@lumen",
        ZOE,
        OPERATOR,
        "Please remove me from the newsletter",
        NOW - timedelta(hours=2),
        body="Thanks, but please take me off your list.",
        thread="733",
    )
    await import_mail(store, tmp_path, "b.mbox", [stop])
    await agent_pass(store, NOW + timedelta(minutes=5))

    async with store.transaction() as s:
        zoe = await s.scalar(select(Contact).where(Contact.email == ZOE_ADDR))
        assert zoe is not None and zoe.do_not_contact_at == stop.at
        assert zoe.do_not_contact_reason == (
            "asked to be removed: “Please remove me from the newsletter”"
        )
        [signal] = (await s.scalars(select(Signal).where(Signal.kind == "contact.opted_out"))).all()
        assert signal.contact_id == zoe.id
        assert signal.dedup_key == "contact.opted_out:stop@lumen"
        assert signal.payload == {"reason": zoe.do_not_contact_reason, "message_id": "stop@lumen"}
        colleague = await s.scalar(select(Contact).where(Contact.email == "lee@northwind.example"))
        assert colleague is None
    follow_ups = await moves(store, "follow_up_due")
    assert [m.status for m in follow_ups] == ["resolved", "resolved"]
    assert all(m.status_reason.startswith("they asked not to be contacted") for m in follow_ups)
    assert await moves(store, "reply_needed") == [], "a request to stop wants no reply"

    # The operator writes again anyway; the silence after it is never chased.
    await import_mail(
        store, tmp_path, "c.mbox", [ours("c@northwind", "One more thing", NOW, thread="734")]
    )
    await agent_pass(store, NOW + timedelta(days=9))
    assert len(await moves(store, "follow_up_due")) == 2
    async with store.transaction() as s:
        assert await s.scalar(
            select(Signal).where(Signal.dedup_key == "email.no_reply:c@northwind")
        )
        events = await s.scalars(select(MoveEvent.reason).where(MoveEvent.to_status == "resolved"))
        assert len(events.all()) == 2


async def test_how_old_a_message_may_be_to_want_a_reply_is_the_operators_knob(
    store: Store, tmp_path: Path
) -> None:
    """reply_needed answers mail up to `max_age_days` old: 14 by default, here 7."""
    mails = [
        Mail(f"ask{days}@lumen", ZOE, OPERATOR, f"Question {days}", NOW - timedelta(days=days))
        for days in (3, 10, 20)
    ]
    await import_mail(store, tmp_path, "a.mbox", mails)
    await agent_pass(store)
    assert sorted(m.why_now.split("“")[1].split("”")[0] for m in await moves(store)) == [
        "Question 10",
        "Question 3",
    ]

    async with store.transaction() as s:
        for m in await s.scalars(select(Move)):
            await s.delete(m)
        await settings.put(s, "agents.reply_needed", {"max_age_days": 7})
        for sig in await s.scalars(select(Signal)):
            sig.processed_at = None
    await agent_pass(store)
    assert [m.title for m in await moves(store, "reply_needed")] == ["Reply to Zoe Park (Lumen)"]
