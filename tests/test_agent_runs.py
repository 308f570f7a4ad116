"""Agents an operator tunes and watches: run records written by a real pass (one row per
agent that had something to read, bounded per agent), knobs parsed and stored with clear
refusals, and the knobs that move a detector's threshold (deal_health's stall age,
meeting_prep's horizon)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from agents import ALL_AGENTS
from daemon.domain import agent_runs, agents_admin, detectors, knobs, pipeline, settings
from daemon.store.models import (
    AgentRun,
    Deal,
    Meeting,
    MeetingAttendee,
    Move,
    MoveEvent,
    Signal,
)
from tests.store_fixtures import Store, add_contact, add_thread, hours

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday 10:00 in New York
NY = ZoneInfo("America/New_York")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def runs(store: Store) -> list[AgentRun]:
    async with store.transaction() as s:
        return list((await s.scalars(select(AgentRun).order_by(AgentRun.id))).all())


async def add_meeting(s: object, uid: str, start: datetime, contact_id: int, email: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(s, AsyncSession)
    meeting = Meeting(
        uid=uid, title=uid, start_at=start, end_at=start + hours(1), status="confirmed"
    )
    s.add(meeting)
    await s.flush()
    for mail, known in (("someone@else.example", None), (email, contact_id)):
        s.add(
            MeetingAttendee(
                meeting_id=meeting.id, email=mail, response_status="accepted", contact_id=known
            )
        )
    await s.flush()


async def test_a_pass_records_one_run_per_agent_that_had_something_to_read(store: Store) -> None:
    old = NOW - timedelta(days=8)
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        lee = await add_contact(s, 2, NOW)
        await add_thread(s, "a", dana, [("outbound", old)])
        await add_thread(s, "b", lee, [("outbound", old)])
        await add_thread(s, "c", lee, [("outbound", old - hours(30))])
        await add_meeting(s, "soon", NOW + hours(5), dana.id, dana.email)
        # A value stored behind `agents set`'s back: meeting_prep fails on it.
        await settings.put(s, "agents.meeting_prep", {"attendees_named": "many"})
    async with store.transaction() as s:
        report = await pipeline.run(s, NOW)
    assert report["failed_agents"] == 1
    found = {r.agent: r for r in await runs(store)}
    assert sorted(found) == ["follow_up_due", "meeting_prep"], "idle agents get no row"
    follow = found["follow_up_due"]
    assert (follow.signals, follow.proposed, follow.updated, follow.errors) == (3, 3, 0, 0)
    assert follow.trigger == "pass" and follow.started_at == NOW
    assert follow.finished_at >= follow.started_at and follow.last_error is None
    prep = found["meeting_prep"]
    assert (prep.signals, prep.proposed, prep.errors) == (1, 0, 1)
    assert prep.last_error is not None and prep.last_error.startswith("ValueError")

    # Fixed, the next pass reads the chunk again (a failure leaves its signals waiting):
    # follow_up_due refreshes its three moves, meeting_prep proposes.
    async with store.transaction() as s:
        await settings.put(s, "agents.meeting_prep", {"attendees_named": 2})
    async with store.transaction() as s:
        await pipeline.run(s, NOW + hours(1))
    later = (await runs(store))[2:]
    assert [(r.agent, r.signals, r.proposed, r.updated, r.errors) for r in later] == [
        ("follow_up_due", 3, 0, 3, 0),
        ("meeting_prep", 1, 1, 0, 0),
    ]
    async with store.transaction() as s:
        await pipeline.run(s, NOW + hours(2))
    assert len(await runs(store)) == 4, "an idle pass writes no run"


async def test_only_the_newest_runs_of_each_agent_are_kept(store: Store) -> None:
    for i in range(5):
        tallies = {"a": agent_runs.Tally(signals=i)}
        if i == 0:
            tallies["b"] = agent_runs.Tally(signals=99)
        async with store.transaction() as s:
            await agent_runs.record(s, tallies, "pass", NOW, NOW, keep=3)
    kept = await runs(store)
    assert [(r.agent, r.signals) for r in kept] == [("b", 99), ("a", 2), ("a", 3), ("a", 4)]


async def test_the_default_retention_bounds_the_table(store: Store) -> None:
    async with store.transaction() as s:
        for _ in range(agent_runs.KEEP + 25):
            await agent_runs.record(s, {"a": agent_runs.Tally(1)}, "pass", NOW, NOW)
        count = await s.scalar(select(func.count()).select_from(AgentRun))
    assert count == agent_runs.KEEP


def test_knob_values_are_read_in_the_type_of_their_default() -> None:
    assert knobs.parse_value("n", 14, " 21 ") == 21
    assert knobs.parse_value("x", 1.5, "2.25") == 2.25
    assert knobs.parse_value("flag", False, "Yes") is True
    assert knobs.parse_value("flag", True, "off") is False
    assert knobs.parse_value("words", ("a",), "x, y ,,z") == ["x", "y", "z"]
    assert knobs.parse_value("wait", {}, "Opportunity=2, customer = 5") == {
        "opportunity": 2,
        "customer": 5,
    }
    assert knobs.parse_value("wait", {"lead": 3}, "none") == {}
    for bad in ("opportunity", "=2", "lead=", "lead=two", "lead=1.5", ","):
        with pytest.raises(ValueError, match="wait"):
            knobs.parse_value("wait", {}, bad)
    for default, text, said in (
        (14, "soon", "n is a number, not 'soon'"),
        (14, "2.5", "n is a whole number, not '2.5'"),
        (14, "-1", "n must be at least 0"),
        (14, "nan", "n is a number, not 'nan'"),
        (True, "maybe", "n is yes or no, not 'maybe'"),
        (("a",), " , ", "n is a comma-separated list with at least one item"),
    ):
        with pytest.raises(ValueError, match=said):
            knobs.parse_value("n", default, text)
    with pytest.raises(ValueError, match="must be more than 0"):
        knobs.parse_value("every", 1.0, "0", positive=True)


async def test_setting_a_knob_validates_the_agent_the_knob_and_the_value(store: Store) -> None:
    async with store.transaction() as s:
        with pytest.raises(agents_admin.AgentError) as no_agent:
            await agents_admin.set_knob(s, "nobody", "x", "1")
        assert no_agent.value.field == "name"
        assert str(no_agent.value) == (
            "no agent 'nobody'; agents: " + ", ".join(a.name for a in ALL_AGENTS)
        )
        with pytest.raises(agents_admin.AgentError) as no_knob:
            await agents_admin.set_knob(s, "deal_health", "patience", "1")
        assert no_knob.value.field == "knob"
        assert str(no_knob.value) == (
            "deal_health has no knob 'patience'; its knobs: stalled_days, close_dates"
        )
        with pytest.raises(agents_admin.AgentError, match="is yes or no") as bad:
            await agents_admin.set_knob(s, "deal_health", "close_dates", "sometimes")
        assert bad.value.field == "value"
        assert await agents_admin.set_knob(s, "deal_health", "close_dates", "no") == {
            "stalled_days": 14,
            "close_dates": False,
        }
        assert await agents_admin.set_knob(s, "deal_health", "stalled_days", "21") == {
            "stalled_days": 21,
            "close_dates": False,
        }
        assert await settings.get(s, "agents.deal_health") == {
            "stalled_days": 21,
            "close_dates": False,
        }
        shown = await agents_admin.detail(s, NOW, "deal_health")
    assert shown["doc"].startswith("Proposes a deal review")
    assert shown["knobs"][0] == {
        "name": "stalled_days",
        "default": 14,
        "value": 21,
        "help": "days in one stage before an open deal counts as stalled",
    }


async def test_deal_healths_stall_age_is_the_detectors_threshold(store: Store) -> None:
    async with store.transaction() as s:
        s.add(
            Deal(
                name="Ten days in",
                pipeline="default",
                stage="contractsent",
                amount=10000,
                currency="USD",
                close_date=date(2026, 12, 20),
                stage_entered_at=NOW - timedelta(days=10),
                created_at=NOW - timedelta(days=30),
                updated_at=NOW,
            )
        )
        stalled = select(Signal).where(Signal.kind == "deal.stalled")
        await detectors.detect(s, NOW, NY)
        assert (await s.scalars(stalled)).all() == [], "14 days by default"
        await agents_admin.set_knob(s, "deal_health", "stalled_days", "7")
        await detectors.detect(s, NOW, NY)
        sig = (await s.scalars(stalled)).one()
    assert sig.kind == "deal.stalled" and sig.payload["stalled_days"] == 7
    assert sig.occurred_at == NOW - timedelta(days=3)


async def test_meeting_preps_horizon_is_how_far_ahead_meetings_are_signalled(
    store: Store,
) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        await add_meeting(s, "thursday", NOW + timedelta(days=1), dana.id, dana.email)
        await add_meeting(s, "friday", NOW + timedelta(days=2), dana.id, dana.email)
        await add_meeting(s, "monday", NOW + timedelta(days=5), dana.id, dana.email)

    async def upcoming() -> list[str]:
        async with store.transaction() as s:
            found = await detectors.find(s, NOW, NY)
        return sorted(c["payload"]["title"] for c in found if c["kind"] == "meeting.upcoming")

    assert await upcoming() == ["thursday"], "by default, until the end of the next working day"
    for days, expected in (
        ("0", []),
        ("2", ["friday", "thursday"]),
        ("3", ["friday", "monday", "thursday"]),
    ):
        async with store.transaction() as s:
            await agents_admin.set_knob(s, "meeting_prep", "horizon_working_days", days)
        assert await upcoming() == expected, days


async def test_acceptance_rate_is_accepted_over_proposed_once_the_operator_decided(
    store: Store,
) -> None:
    async with store.transaction() as s:
        for i, (agent, status, accepted, days_ago) in enumerate(
            (
                ("follow_up_due", "done", True, 2),
                ("follow_up_due", "accepted", True, 5),
                ("follow_up_due", "dismissed", False, 10),
                ("follow_up_due", "pending", False, 1),  # not decided, still proposed
                ("follow_up_due", "done", True, 120),  # too old to count
                ("deal_health", "expired", False, 3),  # not the operator's decision
            )
        ):
            at = NOW - timedelta(days=days_ago)
            move = Move(
                title=f"m{i}",
                why_now="w",
                move_type="follow_up",
                agent=agent,
                aps=50,
                aps_breakdown={},
                score_inputs={},
                due_at=at,
                status=status,
                dedup_key=f"k{i}",
                created_at=at,
                updated_at=at,
            )
            s.add(move)
            await s.flush()
            if accepted:
                s.add(
                    MoveEvent(move_id=move.id, from_status="pending", to_status="accepted", at=at)
                )
        await s.flush()
        rows = {r["name"]: r for r in await agents_admin.summaries(s, NOW)}
    follow = rows["follow_up_due"]
    assert (follow["accepted"], follow["decided"], follow["acceptance_rate"]) == (2, 3, 0.5)
    assert follow["proposed"] == 4, "created in the last 30 days"
    health = rows["deal_health"]
    assert (health["proposed"], health["decided"], health["acceptance_rate"]) == (1, 0, None)
    assert rows["reply_needed"]["last_run_at"] is None
