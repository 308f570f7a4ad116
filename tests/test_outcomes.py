"""Outcomes read from later signals, through the real pipeline on a real workspace: which
signal credits which done move, once, and a dismissal counting against an agent for a
contact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from agents.base import Proposal
from daemon.domain import agent_pass, learning, outcome_stats, pipeline, queue, settings
from daemon.store.models import Deal, Message, Outcome, Signal
from tests.store_fixtures import Store, add_contact, add_thread, hours

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)  # Monday 10:00 in New York


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


def signal(kind: str, at: datetime, key: str, **refs: Any) -> Signal:
    payload = refs.pop("payload", {"message_id": key})
    return Signal(
        kind=kind,
        source="files",
        occurred_at=at,
        dedup_key=f"{kind}:{key}",
        payload=payload,
        created_at=at,
        **refs,
    )


async def move(
    store: Store, agent: str, move_type: str, n: int, *, done_at: datetime | None, **refs: Any
) -> int:
    """A move made at NOW; marked done at `done_at` (left pending when None)."""
    async with store.transaction() as s:
        cfg = await pipeline.scoring_config(s)
        proposal = Proposal(
            dedup_key=f"{agent}:{n}",
            move_type=move_type,
            title=f"Move {n}",
            why_now="because",
            due_at=NOW,
            score_inputs={"move_type": move_type, "urgency": {"basis": None}},
            **refs,
        )
        row, _ = await queue.upsert(s, agent, proposal, NOW, cfg, learning.Learned())
        if done_at is not None:
            await queue.change(s, row, queue.ACCEPTED, done_at)
            await queue.change(s, row, queue.DONE, done_at)
        return row.id


async def run(store: Store, now: datetime, *signals: Signal) -> dict[str, Any]:
    async with store.transaction() as s:
        s.add_all(signals)
        await s.flush()
        return await pipeline.run(s, now)


async def outcomes(store: Store) -> list[tuple[int, str, str]]:
    async with store.transaction() as s:
        rows = await s.execute(select(Outcome.move_id, Outcome.kind, Outcome.source))
        return sorted((m, k, src) for m, k, src in rows)


async def test_a_real_reply_after_a_done_follow_up_is_replied_once(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        thread = await add_thread(s, "t1", dana, [("outbound", NOW - timedelta(days=5))])
        other = await add_thread(s, "t2", dana, [("outbound", NOW - timedelta(days=5))])
    done = NOW + hours(1)
    bump = await move(
        store,
        "follow_up_due",
        "follow_up",
        1,
        done_at=done,
        contact_id=dana.id,
        thread_id=thread.id,
    )
    pending = await move(
        store, "follow_up_due", "follow_up", 2, done_at=None, contact_id=dana.id, thread_id=other.id
    )
    refs = {"contact_id": dana.id}
    ooo = {"message_id": "<ooo>", "automated": True, "subject": "Automatic reply: pricing"}
    # An out-of-office answer is no reply; neither is mail in a thread whose move is open.
    report = await run(
        store,
        done + hours(2),
        signal(
            "email.received", done + hours(1), "<ooo>", payload=ooo, thread_id=thread.id, **refs
        ),
        signal("email.received", done + hours(1), "<o2>", thread_id=other.id, **refs),
    )
    assert await outcomes(store) == [] and report["outcomes"] == 0
    # The real answer arrives as `email.received` and `email.replied`: one outcome.
    answer = done + hours(3)
    await run(
        store,
        answer + hours(1),
        signal("email.received", answer, "<re>", thread_id=thread.id, **refs),
        signal("email.replied", answer, "<re>", thread_id=thread.id, **refs),
    )
    assert await outcomes(store) == [(bump, "replied", "detected")]
    async with store.transaction() as s:
        [row] = (await s.scalars(select(Outcome))).all()
        assert row.occurred_at == answer and row.signal_id is not None
        # Read again (a retried chunk): still once.
        await s.execute(update(Signal).values(processed_at=None))
    await run(store, answer + hours(2))
    assert await outcomes(store) == [(bump, "replied", "detected")]
    assert pending not in {m for m, *_ in await outcomes(store)}


async def test_a_reply_before_our_send_is_not_the_moves_outcome(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        thread = await add_thread(s, "t1", dana, [("inbound", NOW - hours(2))])
    await move(
        store,
        "reply_needed",
        "reply",
        1,
        done_at=NOW + hours(5),
        contact_id=dana.id,
        thread_id=thread.id,
    )
    # Dana wrote again before we answered: not what our answer brought.
    await run(
        store,
        NOW + hours(6),
        signal(
            "email.received", NOW + hours(1), "<again>", thread_id=thread.id, contact_id=dana.id
        ),
    )
    assert await outcomes(store) == []


async def test_an_answer_sent_before_marking_done_counts_from_the_send(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        thread = await add_thread(s, "t1", dana, [("inbound", NOW - hours(2))])
    answered = await move(
        store,
        "reply_needed",
        "reply",
        1,
        done_at=NOW + hours(5),
        contact_id=dana.id,
        thread_id=thread.id,
    )
    # Our answer went at +1h, Dana thanked us at +3h, the move was marked done at +5h.
    async with store.transaction() as s:
        s.add(
            Message(
                thread_id=thread.id,
                message_id="<answer@mail.example>",
                from_addr="casey@northwind.example",
                to_addrs=[dana.email],
                cc_addrs=[],
                subject="Re: pricing",
                body="Here are the numbers.",
                sent_at=NOW + hours(1),
                direction="outbound",
                labels=[],
                is_draft=False,
                contact_id=dana.id,
            )
        )
    await run(
        store,
        NOW + hours(6),
        signal(
            "email.received", NOW + hours(3), "<thanks>", thread_id=thread.id, contact_id=dana.id
        ),
    )
    assert await outcomes(store) == [(answered, "replied", "detected")]


async def test_meetings_stages_bounces_and_opt_outs_credit_the_latest_done_move(
    store: Store,
) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        lee = await add_contact(s, 2, NOW)
        sam = await add_contact(s, 3, NOW)
        deal = Deal(
            name="Acme renewal",
            pipeline="default",
            stage="qualifiedtobuy",
            currency="USD",
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(deal)
        await s.flush()
    older = await move(store, "nurture", "check_in", 1, done_at=NOW, contact_id=dana.id)
    latest = await move(
        store, "first_touch", "first_touch", 2, done_at=NOW + hours(1), contact_id=dana.id
    )
    review = await move(store, "deal_health", "deal_review", 3, done_at=NOW, deal_id=deal.id)
    to_lee = await move(store, "first_touch", "first_touch", 4, done_at=NOW, contact_id=lee.id)
    to_sam = await move(store, "first_touch", "first_touch", 5, done_at=NOW, contact_id=sam.id)
    later = NOW + timedelta(days=2)

    def stage(before: str, after: str, n: int) -> Signal:
        payload = {"deal": "Acme renewal", "from": before, "to": after}
        return signal(
            "deal.stage_changed", later + hours(n), f"s{n}", deal_id=deal.id, payload=payload
        )

    await run(
        store,
        later + hours(12),
        signal("meeting.booked", later, "m1", contact_id=dana.id),
        stage("qualifiedtobuy", "appointmentscheduled", 1),  # a step back: nothing
        stage("appointmentscheduled", "contractsent", 2),
        stage("contractsent", "closedwon", 3),
        signal("email.bounced", later, "<b1>", contact_id=lee.id),
        signal(
            "contact.opted_out",
            later,
            "<u1>",
            contact_id=sam.id,
            payload={"reason": "asked to be removed", "message_id": "<u1>"},
        ),
    )
    assert await outcomes(store) == sorted(
        [
            (latest, "meeting_booked", "detected"),
            (review, "deal_advanced", "detected"),
            (review, "deal_won", "detected"),
            (to_lee, "bounced", "detected"),
            (to_sam, "unsubscribed", "detected"),
        ]
    )
    assert older not in {m for m, *_ in await outcomes(store)}, "the latest move gets it"
    # Long after the move (beyond the window), news is no longer its outcome.
    await run(
        store,
        NOW + timedelta(days=60),
        signal("meeting.booked", NOW + timedelta(days=59), "m2", contact_id=lee.id),
    )
    assert (to_lee, "meeting_booked", "detected") not in await outcomes(store)


async def test_a_done_follow_up_with_no_answer_is_no_response_until_one_comes(
    store: Store,
) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        thread = await add_thread(s, "t1", dana, [("outbound", NOW - timedelta(days=5))])
    bump = await move(
        store, "follow_up_due", "follow_up", 1, done_at=NOW, contact_id=dana.id, thread_id=thread.id
    )
    # Three business days (follow_up_due's business_days) from Monday: Thursday.
    await run(store, NOW + timedelta(days=2, hours=23))
    assert await outcomes(store) == []
    report = await run(store, NOW + timedelta(days=3))
    assert await outcomes(store) == [(bump, "no_response", "detected")]
    assert report["outcomes"] == 1
    assert agent_pass.counts(report)["outcomes"] == 1, "clients hear of it (queue.changed)"
    await run(store, NOW + timedelta(days=4))
    assert await outcomes(store) == [(bump, "no_response", "detected")], "recorded once"
    # The answer, imported late, replaces it.
    await run(
        store,
        NOW + timedelta(days=5),
        signal(
            "email.received",
            NOW + timedelta(days=1),
            "<late>",
            thread_id=thread.id,
            contact_id=dana.id,
        ),
    )
    assert await outcomes(store) == [(bump, "replied", "detected")]


async def test_no_response_waits_as_long_as_follow_up_due_does_for_the_contacts_stage(
    store: Store,
) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)  # an opportunity
        thread = await add_thread(s, "t1", dana, [("outbound", NOW - timedelta(days=5))])
        await settings.put(
            s, "agents.follow_up_due", {"business_days_by_stage": {"opportunity": 5}}
        )
    bump = await move(
        store, "follow_up_due", "follow_up", 1, done_at=NOW, contact_id=dana.id, thread_id=thread.id
    )
    await run(store, NOW + timedelta(days=3))
    assert await outcomes(store) == []
    await run(store, NOW + timedelta(days=7))  # Monday to Monday: five business days
    assert await outcomes(store) == [(bump, "no_response", "detected")]


async def test_dismissals_count_against_the_agent_for_that_contact(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        lee = await add_contact(s, 2, NOW)
    ids = [
        await move(store, "first_touch", "first_touch", n, done_at=None, contact_id=c)
        for n, c in ((1, dana.id), (2, dana.id), (3, lee.id))
    ]
    async with store.transaction() as s:
        for move_id, reason in zip(
            ids, ("wrong person", "already talking", "dismissed"), strict=True
        ):
            await queue.change(s, await queue.get(s, move_id), queue.DISMISSED, NOW, reason)
        learned = await learning.load(s, NOW)
    points, why = learned.for_move("first_touch", "first_touch", dana.id)
    plain, plain_why = learned.for_move("first_touch", "first_touch", lee.id)
    other, _ = learned.for_move("nurture", "check_in", dana.id)
    kind = 3 * learning.DECISION_POINTS["dismissed"]
    assert points == pytest.approx(kind - 6.0)
    assert "dismissed twice for this contact -6.0" in why
    assert (
        plain == pytest.approx(kind - 1.0) and "dismissed once for this contact -1.0" in plain_why
    )
    assert other == 0.0, "another agent's moves for Dana are not held against it"


async def test_an_acceptance_rate_only_once_a_move_was_decided(store: Store) -> None:
    """As `agents list` has it: moves nobody looked at yet are no refusal."""
    first = await move(store, "nurture", "check_in", 1, done_at=None)
    await move(store, "nurture", "check_in", 2, done_at=None)
    async with store.transaction() as s:
        (group,) = (await outcome_stats.stats(s, "agent")).groups
    assert (group.proposed, group.acceptance_rate) == (2, None)
    async with store.transaction() as s:
        await queue.change(s, await queue.get(s, first), queue.DISMISSED, NOW)
        (group,) = (await outcome_stats.stats(s, "agent")).groups
    assert group.acceptance_rate == 0.0
