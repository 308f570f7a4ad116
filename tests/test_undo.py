"""Undoing the operator's latest decision on a move, on a real store: the move is back
where it was, its events are gone so stats and learning stop counting them, and what is
not the operator's, too old or already followed by an outcome is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from agents.base import Proposal
from daemon.domain import learning, outcome_stats, pipeline, queue, undo
from daemon.errors import Conflict, NotFound
from daemon.store.models import Move, MoveEvent, Outcome
from tests.store_fixtures import Store, add_contact, hours

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)  # when the operator decides
SOON = LATER + timedelta(minutes=2)  # when they undo


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def new_move(store: Store, n: int = 1, contact: bool = False) -> int:
    """A pending move proposed at NOW by the agent 'tester'."""
    async with store.transaction() as s:
        contact_id = (await add_contact(s, n, NOW)).id if contact else None
        proposal = Proposal(
            dedup_key=f"tester:{n}",
            move_type="follow_up",
            title=f"Move {n}",
            why_now="because",
            due_at=NOW,
            score_inputs={"move_type": "follow_up", "urgency": {"basis": None}},
            contact_id=contact_id,
        )
        cfg = await pipeline.scoring_config(s)
        row, _ = await queue.upsert(s, "tester", proposal, NOW, cfg, learning.Learned())
        row.rescore_at = queue.NEVER
        return row.id


async def decide(store: Store, move_id: int, *steps: tuple[str, str], at: datetime = LATER) -> None:
    """Make the steps (status, reason) as the queue operations do, all at `at`."""
    async with store.transaction() as s:
        move = await queue.get(s, move_id)
        for to, reason in steps:
            await queue.change(s, move, to, at, reason)


async def snooze(store: Store, move_id: int, until: datetime, at: datetime = LATER) -> None:
    async with store.transaction() as s:
        move = await queue.get(s, move_id)
        event = await queue.change(s, move, queue.SNOOZED, at, "snoozed until later")
        queue.set_snooze(move, until, event)


async def run_undo(store: Store, move_id: int, now: datetime = SOON) -> undo.Undone:
    async with store.transaction() as s:
        return await undo.undo(s, move_id, now)


async def state(store: Store, move_id: int) -> tuple[str, str | None, datetime | None]:
    async with store.transaction() as s:
        move = await queue.get(s, move_id)
        return move.status, move.status_reason, move.snoozed_until


async def history(store: Store, move_id: int) -> list[tuple[str | None, str]]:
    async with store.transaction() as s:
        rows = await s.execute(
            select(MoveEvent.from_status, MoveEvent.to_status)
            .where(MoveEvent.move_id == move_id)
            .order_by(MoveEvent.id)
        )
        return [(a, b) for a, b in rows]


async def rescore_at(store: Store, move_id: int) -> datetime | None:
    async with store.transaction() as s:
        return await s.scalar(select(Move.rescore_at).where(Move.id == move_id))


async def test_an_undone_accept_leaves_the_move_pending_and_uncounted(store: Store) -> None:
    move_id = await new_move(store)
    await decide(store, move_id, (queue.ACCEPTED, "accepted"))
    undone = await run_undo(store, move_id)
    assert undone.undid == ["accepted"]
    assert await state(store, move_id) == (queue.PENDING, None, None)
    assert await history(store, move_id) == [(None, queue.PENDING)]
    # Due for rescoring now, so its score is current.
    assert await rescore_at(store, move_id) == SOON
    async with store.transaction() as s:
        [group] = (await outcome_stats.stats(s, "agent")).groups
    assert (group.proposed, group.accepted) == (1, 0)


async def test_an_undone_dismissal_no_longer_teaches_the_score(store: Store) -> None:
    move_id = await new_move(store, contact=True)
    async with store.transaction() as s:
        contact_id = (await queue.get(s, move_id)).contact_id
    assert contact_id is not None
    await decide(store, move_id, (queue.DISMISSED, "not a fit"))
    async with store.transaction() as s:
        before = await learning.load(s, SOON)
    assert before.dismissals == {("tester", contact_id): 1}
    assert before.for_move("tester", "follow_up", contact_id)[0] < 0
    await run_undo(store, move_id)
    assert await state(store, move_id) == (queue.PENDING, None, None)
    async with store.transaction() as s:
        after = await learning.load(s, SOON)
    assert after.dismissals == {} and after.by_kind == {}
    assert after.for_move("tester", "follow_up", contact_id) == (0.0, "no history yet")


async def test_an_undone_snooze_is_pending_and_due_again(store: Store) -> None:
    move_id = await new_move(store)
    await snooze(store, move_id, NOW + hours(48))
    assert await rescore_at(store, move_id) == NOW + hours(48)
    await run_undo(store, move_id)
    assert await state(store, move_id) == (queue.PENDING, None, None)
    assert await rescore_at(store, move_id) == SOON
    async with store.transaction() as s:
        moves, _ = await queue.today(s, SOON, NOW + hours(9), None)
    assert [m.id for m in moves] == [move_id]


async def test_a_snooze_of_an_accepted_move_undoes_to_accepted(store: Store) -> None:
    move_id = await new_move(store)
    await decide(store, move_id, (queue.ACCEPTED, "accepted"), at=NOW + timedelta(minutes=1))
    await snooze(store, move_id, NOW + hours(48))
    assert (await run_undo(store, move_id)).undid == ["snoozed"]
    # The accept stays: only the latest decision is undone, and its reason is back.
    assert await state(store, move_id) == (queue.ACCEPTED, "accepted", None)


async def test_done_on_a_pending_move_undoes_both_steps(store: Store) -> None:
    move_id = await new_move(store)
    await decide(store, move_id, (queue.ACCEPTED, "accepted"), (queue.DONE, "done"))
    undone = await run_undo(store, move_id)
    assert undone.undid == ["accepted", "done"]
    assert await state(store, move_id) == (queue.PENDING, None, None)
    assert await history(store, move_id) == [(None, queue.PENDING)]


async def test_done_on_a_snoozed_move_puts_it_back_to_sleep(store: Store) -> None:
    move_id = await new_move(store)
    until = NOW + hours(48)
    # Snoozed at the same instant (a pinned clock): the done is still undone alone.
    await snooze(store, move_id, until)
    await decide(
        store,
        move_id,
        (queue.PENDING, queue.DONE_WHILE_SNOOZED),
        (queue.ACCEPTED, "accepted"),
        (queue.DONE, "done"),
    )
    undone = await run_undo(store, move_id)
    assert undone.undid == ["pending", "accepted", "done"]
    assert await state(store, move_id) == (queue.SNOOZED, "snoozed until later", until)


async def test_a_decision_made_by_the_daemon_is_not_undone(store: Store) -> None:
    fresh = await new_move(store, 1)
    with pytest.raises(Conflict, match=r"nothing to undo on move .*proposed by tester"):
        await run_undo(store, fresh)
    # A snooze the daemon ended: the latest change is the pass's wake-up, not the operator's.
    woken = await new_move(store, 2)
    await snooze(store, woken, LATER + timedelta(minutes=1))
    async with store.transaction() as s:
        assert await queue.wake(s, SOON) == 1
    with pytest.raises(Conflict, match="snooze ended"):
        await run_undo(store, woken)
    assert await state(store, woken) == (queue.PENDING, "snooze ended", None)


async def test_a_decision_older_than_the_window_is_refused(store: Store) -> None:
    move_id = await new_move(store)
    await decide(store, move_id, (queue.DISMISSED, "dismissed"))
    late = LATER + timedelta(minutes=40)
    with pytest.raises(Conflict, match="made 40 minutes ago; undo works for 15 minutes"):
        await run_undo(store, move_id, late)
    assert await state(store, move_id) == (queue.DISMISSED, "dismissed", None)
    # At the window's end it still works.
    await run_undo(store, move_id, LATER + undo.UNDO_WINDOW)
    assert (await state(store, move_id))[0] == queue.PENDING


async def test_a_decision_followed_by_an_outcome_is_refused(store: Store) -> None:
    move_id = await new_move(store)
    await decide(store, move_id, (queue.ACCEPTED, "accepted"), (queue.DONE, "done"))
    async with store.transaction() as s:
        s.add(
            Outcome(
                move_id=move_id,
                kind="replied",
                source="manual",
                occurred_at=LATER,
                created_at=LATER + timedelta(minutes=1),
            )
        )
    with pytest.raises(Conflict, match=r"has an outcome \(replied\) recorded since its done"):
        await run_undo(store, move_id)
    assert (await state(store, move_id))[0] == queue.DONE


async def test_an_unknown_move_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await run_undo(store, 999)
