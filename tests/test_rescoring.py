"""Incremental rescoring: each move is rescored when its score next changes with time, or
when what it learned from changed, and stays within a fraction of a point of a full rescore."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from agents.base import Proposal
from daemon.domain import learning, pipeline, queue, settings
from daemon.domain.scoring import ScoringConfig, next_change, score
from daemon.domain.settings import DEFAULT_WEIGHTS
from daemon.store.models import Contact, Move, MoveEvent, Outcome
from tests.store_fixtures import Store, add_contact, hours

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday 10:00 in New York
TOLERANCE = 0.5  # points of APS (0..100)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


def urgencies() -> list[dict[str, Any]]:
    """One of every urgency basis, at every interesting distance from NOW."""
    out: list[dict[str, Any]] = [{"basis": None}]
    for h in (0.2, 5, 30, 100, 400):
        out.append({"basis": "reply", "since": (NOW - hours(h)).isoformat()})
    for d in (1, 4, 9):
        since = NOW - timedelta(days=d, hours=3)
        out.append({"basis": "follow_up", "since": since.isoformat(), "threshold": 3})
    for h in (0.5, 3, 20, 45, 70):
        out.append({"basis": "meeting", "at": (NOW + hours(h)).isoformat()})
    for h in (-300, -100, -5, 2, 50, 200):
        out.append({"basis": "due", "at": (NOW + hours(h)).isoformat()})
    for d in (10, 15, 30, 50):
        since = NOW - timedelta(days=d, hours=5)
        out.append(
            {"basis": "stage", "days_in_stage": d, "normal_days": 14, "since": since.isoformat()}
        )
    out.append({"basis": "stage", "days_in_stage": 20, "normal_days": 14})
    return out


def proposal(agent: str, n: int, urgency: dict[str, Any], contact_id: int | None) -> Proposal:
    return Proposal(
        dedup_key=f"{agent}:{n}",
        move_type="task",
        title=f"Move {n}",
        why_now="because",
        due_at=NOW,
        contact_id=contact_id,
        score_inputs={
            "move_type": "task",
            "urgency": urgency,
            "contact": {"title": "VP Finance", "tier": "A"} if contact_id else None,
            "deal": {"name": "D", "amount": 30000} if n % 3 == 0 else None,
            "prepared": n % 2 == 0,
        },
    )


async def seed(store: Store, agent: str = "tester") -> list[int]:
    """A move of every urgency for `agent`, for contacts 1 and 2 in turn."""
    async with store.transaction() as s:
        for i in (1, 2):
            if await s.scalar(select(Contact.id).where(Contact.id == i)) is None:
                await add_contact(s, i, NOW)
        cfg = await pipeline.scoring_config(s)
        learned = await learning.load(s, NOW)
        ids = []
        for n, u in enumerate(urgencies()):
            move, _ = await queue.upsert(
                s, agent, proposal(agent, n, u, 1 + n % 2), NOW, cfg, learned
            )
            ids.append(move.id)
        await pipeline.housekeeping(s, NOW)
    return ids


async def full_scores(store: Store, now: datetime) -> dict[int, tuple[float, float]]:
    """(stored APS, what a full rescore at `now` gives) for every open move."""
    async with store.transaction() as s:
        cfg = await pipeline.scoring_config(s)
        learned = await learning.load(s, now)
        moves = (await s.scalars(select(Move).where(Move.status.in_(queue.OPEN)))).all()
        return {
            m.id: (
                m.aps,
                score(
                    m.score_inputs, now, cfg, learned.for_move(m.agent, m.move_type, m.contact_id)
                )[0],
            )
            for m in moves
        }


@pytest.mark.parametrize("u", urgencies(), ids=lambda u: str(u.get("basis")))
def test_the_next_change_is_after_now_and_nothing_changes_before_it(u: dict[str, Any]) -> None:
    cfg = ScoringConfig(DEFAULT_WEIGHTS, 25000, {}, ZoneInfo("America/New_York"))
    inputs = {"move_type": "task", "urgency": u}
    at = next_change(inputs, NOW, cfg)
    if at is None:
        later = [score(inputs, NOW + hours(h), cfg, (0.0, ""))[0] for h in (1, 24, 24 * 30)]
        assert set(later) == {score(inputs, NOW, cfg, (0.0, ""))[0]}, "None means never"
        return
    assert at > NOW
    # Sampled strictly before the next change, the score never leaves the step's tolerance.
    base = score(inputs, NOW, cfg, (0.0, ""))[0]
    span = at - NOW
    for k in range(1, 8):
        moment = NOW + span * k / 8
        assert abs(score(inputs, moment, cfg, (0.0, ""))[0] - base) <= TOLERANCE


@pytest.mark.long
async def test_incremental_rescoring_agrees_with_a_full_rescore_over_three_days(
    store: Store,
) -> None:
    ids = await seed(store)
    step = timedelta(minutes=30)
    now = NOW
    rescored = 0
    worst = 0.0
    while now < NOW + timedelta(days=3):
        now += step
        async with store.transaction() as s:
            report = await pipeline.housekeeping(s, now)
        assert report["rescore_due"] == 0, "a small queue is brought up to date in one step"
        rescored += report["rescored"]
        for stored, full in (await full_scores(store, now)).values():
            worst = max(worst, abs(stored - full))
    assert worst <= TOLERANCE
    steps = int(timedelta(days=3) / step)
    # Rescoring everything every step would be len(ids) * steps; time alone needs far less.
    assert 0 < rescored < len(ids) * steps / 4


async def test_a_learned_change_rescores_only_the_moves_it_touches(store: Store) -> None:
    await seed(store)
    await seed(store, agent="other")
    async with store.transaction() as s:
        before = {m.id: m.aps_breakdown["scored_at"] for m in (await s.scalars(select(Move))).all()}
        # An outcome on one of contact 1's moves nudges contact 1 and the tester's tasks.
        target = await s.scalar(
            select(Move).where(Move.agent == "tester", Move.contact_id == 1).limit(1)
        )
        assert target is not None
        s.add(
            Outcome(
                move_id=target.id,
                kind="meeting_booked",
                source="manual",
                occurred_at=NOW,
                created_at=NOW,
            )
        )
    later = NOW + timedelta(seconds=30)  # too soon for any time-driven change
    async with store.transaction() as s:
        await pipeline.housekeeping(s, later)
        moves = (await s.scalars(select(Move))).all()
    touched = {m.id for m in moves if m.aps_breakdown["scored_at"] != before[m.id]}
    expected = {m.id for m in moves if m.agent == "tester" or m.contact_id == 1}
    assert touched == expected
    for stored, full in (await full_scores(store, later)).values():
        assert abs(stored - full) <= TOLERANCE
    # Nothing new: nothing more is rescored.
    async with store.transaction() as s:
        assert (await pipeline.housekeeping(s, later))["rescored"] == 0


async def test_a_dismissal_and_new_weights_are_followed(store: Store) -> None:
    ids = await seed(store)
    async with store.transaction() as s:
        move = await queue.get(s, ids[0])
        await queue.change(s, move, queue.DISMISSED, NOW, "not a fit")
        await pipeline.housekeeping(s, NOW)
    for stored, full in (await full_scores(store, NOW)).values():
        assert abs(stored - full) <= TOLERANCE
    async with store.transaction() as s:
        await settings.put(
            s, "aps.weights", {"revenue": 0.1, "urgency": 0.6, "strategic": 0.2, "effort": 0.1}
        )
    async with store.transaction() as s:
        report = await pipeline.housekeeping(s, NOW)
    assert report["rescored"] == len(ids) - 1
    for stored, full in (await full_scores(store, NOW)).values():
        assert stored == full


async def test_rows_from_before_rescore_at_are_worked_through_in_bounded_steps(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RESCORE_CHUNK", 7)
    ids = await seed(store)
    async with store.transaction() as s:
        await s.execute(update(Move).values(rescore_at=None, aps=0.0))
    async with store.transaction() as s:
        first = await pipeline.housekeeping(s, NOW)
    assert first["rescored"] == 7 and first["rescore_due"] == len(ids) - 7
    async with store.transaction() as s:
        report = await pipeline.run(s, NOW)
    assert report["rescore_due"] == 0
    async with store.transaction() as s:
        left = await s.scalar(select(Move.id).where(Move.rescore_at.is_(None)))
    assert left is None
    for stored, full in (await full_scores(store, NOW)).values():
        assert stored == full


async def test_shelf_life_ends_are_found_through_rescore_at(store: Store) -> None:
    async with store.transaction() as s:
        cfg = await pipeline.scoring_config(s)
        learned = await learning.load(s, NOW)
        # Its score never changes with time, so only its expiry makes it due.
        flat = proposal("tester", 1, {"basis": None}, None)
        flat.expires_at = NOW + hours(2)
        move, _ = await queue.upsert(s, "tester", flat, NOW, cfg, learned)
        assert move.rescore_at == NOW + hours(2)
        # A snoozed move keeps its expiry out of rescore_at until it wakes.
        snoozed = proposal("tester", 2, {"basis": None}, None)
        snoozed.expires_at = NOW + hours(1)
        other, _ = await queue.upsert(s, "tester", snoozed, NOW, cfg, learned)
        await queue.change(s, other, queue.SNOOZED, NOW, "later")
        other.snoozed_until = NOW + hours(3)
        other_id, move_id = other.id, move.id
    async with store.transaction() as s:
        report = await pipeline.housekeeping(s, NOW + hours(1))
        assert report["expired"] == 0
        report = await pipeline.housekeeping(s, NOW + hours(2))
        assert report["expired"] == 1 and report["woken"] == 0
        # Woken past its shelf life, it expires in the same pass.
        report = await pipeline.housekeeping(s, NOW + hours(3))
        assert report["woken"] == 1 and report["expired"] == 1
    async with store.transaction() as s:
        statuses = {m.id: m.status for m in (await s.scalars(select(Move))).all()}
        history = (
            await s.scalars(
                select(MoveEvent.to_status)
                .where(MoveEvent.move_id == other_id)
                .order_by(MoveEvent.id)
            )
        ).all()
    assert statuses == {move_id: "expired", other_id: "expired"}
    assert history == ["pending", "snoozed", "pending", "expired"]


async def test_an_ended_snooze_is_on_today_before_the_pass_wakes_it(store: Store) -> None:
    ids = await seed(store)
    async with store.transaction() as s:
        for move_id in ids[:3]:
            move = await queue.get(s, move_id)
            await queue.change(s, move, queue.SNOOZED, NOW, "later")
            queue.set_snooze(move, NOW + hours(2 + move_id % 2))
            assert move.rescore_at is not None and move.rescore_at <= move.snoozed_until
    eod = NOW + hours(14)  # midnight in New York, for a Wednesday 10:00 `now`

    async def today_ids(at: datetime) -> tuple[list[int], int, int]:
        async with store.transaction() as s:
            moves, total = await queue.today(s, at, eod, None)
            counted = await s.scalar(
                select(func.count()).select_from(Move).where(queue.today_filter(at, eod))
            )
        return [m.id for m in moves if m.status == queue.SNOOZED], total, int(counted or 0)

    assert (await today_ids(NOW + hours(1)))[0] == []
    woken, total, counted = await today_ids(NOW + hours(3))
    assert sorted(woken) == ids[:3] and total == counted
    half, _, _ = await today_ids(NOW + hours(2))
    assert sorted(half) == [i for i in ids[:3] if i % 2 == 0]


def test_drift_ignores_what_the_cap_hides_and_keeps_small_drifts_adding_up() -> None:
    kind = ("reply_needed", "reply")
    first = learning.drift(None, learning.Learned({}, {kind: -210.0}))
    assert first.kinds == {kind}
    # Far beyond the ±20 cap, an hour of decay changes no score: nothing to rescore.
    later = learning.drift(first.applied, learning.Learned({}, {kind: -209.7}))
    assert later.kinds == set() and later.applied == first.applied
    # Within reach of the cap, drifts below the threshold add up until they count.
    near = learning.drift(None, learning.Learned({7: 5.0}, {kind: 3.0}))
    step = learning.drift(near.applied, learning.Learned({7: 5.1}, {kind: 3.1}))
    assert step.kinds == set() and step.contacts == set()
    more = learning.drift(step.applied, learning.Learned({7: 5.2}, {kind: 3.2}))
    assert more.kinds == {kind} and more.contacts == {7}


async def test_moves_waiting_to_expire_do_not_fill_rescore_steps(store: Store) -> None:
    async with store.transaction() as s:
        cfg = await pipeline.scoring_config(s)
        learned = await learning.load(s, NOW)
        for n in range(6):
            p = proposal("tester", n, {"basis": "reply", "since": NOW.isoformat()}, None)
            p.expires_at = NOW + hours(1) if n < 4 else NOW + timedelta(days=3)
            await queue.upsert(s, "tester", p, NOW, cfg, learned)
    # Rescoring alone, later: the four past their shelf life are left for `expire`.
    async with store.transaction() as s:
        step = await pipeline.rescore(s, NOW + hours(2), limit=2)
        assert step == {"rescored": 2, "rescore_due": 0}
        report = await pipeline.housekeeping(s, NOW + hours(2))
    assert report["expired"] == 4
