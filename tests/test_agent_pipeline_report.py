"""pipeline_report over two weeks of imported HubSpot deal exports: one review_pipeline
move a week from Monday morning (the next week's replaces it), and the brief
`reports.pipeline` computes: by stage, movement, stalled value, forecast against last week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.domain import queue, reports, settings
from daemon.store.models import Move
from tests.data_agents import agent_pass, import_file, moves
from tests.store_fixtures import Store

AGENT = "pipeline_report"
HEADER = (
    "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Last Modified Date\n"
)
WEEK1 = (
    "1,Acme rollout,Qualified To Buy,Sales Pipeline,40000,2027-01-15,2026-10-01,2026-11-10\n"
    "2,Globex pilot,Contract Sent,Sales Pipeline,20000,2027-01-15,2026-09-01,2026-10-01\n"
    "3,Initech renewal,Closed Won,Sales Pipeline,10000,2026-10-30,2026-08-01,2026-10-30\n"
)
WEEK2 = (
    "1,Acme rollout,Contract Sent,Sales Pipeline,40000,2027-01-15,2026-10-01,2026-11-18\n"
    "2,Globex pilot,Closed Lost,Sales Pipeline,20000,2027-01-15,2026-09-01,2026-11-19\n"
    "3,Initech renewal,Closed Won,Sales Pipeline,10000,2026-10-30,2026-08-01,2026-10-30\n"
    "4,Hooli trial,Appointment Scheduled,Sales Pipeline,15000,2027-02-01,2026-11-18,2026-11-18\n"
)
# Monday 16 November 2026 in New York (the operator's zone): 06:00, then 09:00.
EARLY = datetime(2026, 11, 16, 11, tzinfo=UTC)
MONDAY = datetime(2026, 11, 16, 14, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 23, 14, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    deals = tmp_path / "deals-1.csv"
    deals.write_text(HEADER + WEEK1)
    await import_file(s, deals, EARLY)
    yield s
    await s.close()


async def test_one_review_a_week_from_monday_morning(store: Store, tmp_path: Path) -> None:
    await agent_pass(store, EARLY)
    assert await moves(store, AGENT) == [], "not before 07:00 on Monday"
    await agent_pass(store, MONDAY)
    await agent_pass(store, MONDAY.replace(hour=20))  # later passes: the same one move
    (review,) = await moves(store, AGENT)
    assert review.move_type == "review_pipeline" and review.title == (
        "Review the pipeline (2026-W47)"
    )
    assert review.why_now.startswith("2 open deals worth $60k, $34k weighted; 1 stalled ($20k)")
    assert review.prepared_action == {
        "type": "open_report",
        "op": "reports.pipeline",
        "command": "caseyos report pipeline",
    }
    # Low priority: below any move with a contact or a deal behind it.
    assert review.aps < 40

    deals = tmp_path / "deals-2.csv"
    deals.write_text(HEADER + WEEK2)
    await import_file(store, deals, datetime(2026, 11, 19, 15, tzinfo=UTC))
    await agent_pass(store, NEXT_MONDAY)
    (second,) = await moves(store, AGENT)
    assert second.title == "Review the pipeline (2026-W48)"
    async with store.transaction() as s:
        first = await s.get(Move, review.id)
        # Its week ended as the next review became due.
        assert first is not None and first.status == queue.EXPIRED


async def test_the_brief_by_stage_with_movement_and_last_week(store: Store, tmp_path: Path) -> None:
    await agent_pass(store, MONDAY)
    deals = tmp_path / "deals-2.csv"
    deals.write_text(HEADER + WEEK2)
    await import_file(store, deals, datetime(2026, 11, 19, 15, tzinfo=UTC))
    await agent_pass(store, NEXT_MONDAY)
    async with store.transaction() as s:
        brief = await reports.pipeline(s, NEXT_MONDAY, await settings.timezone(s))
    assert brief["week"] == "2026-W48"
    assert [(st["label"], st["count"], st["value"], st["weighted"]) for st in brief["stages"]] == [
        ("Appointment scheduled", 1, 15000.0, 3000.0),
        ("Contract sent", 1, 40000.0, 36000.0),
    ]
    assert brief["totals"]["open_value"] == 55000.0
    assert brief["totals"]["stalled_count"] == 0  # Acme entered Contract sent five days ago
    moved = brief["movement"]
    assert [(c["deal"], c["from_stage"], c["to_stage"]) for c in moved["stage_changes"]] == [
        ("Acme rollout", "Qualified to buy", "Contract sent"),
        ("Globex pilot", "Contract sent", "Closed lost"),
    ]
    assert moved["new_deals"] == 1 and moved["lost_value"] == 20000.0
    # Last week's totals, as the week-47 review kept them: the forecast rose by $5k.
    last = brief["last_week"]
    assert last is not None and last["week"] == "2026-W47"
    assert (last["weighted"], brief["totals"]["weighted"]) == (34000.0, 39000.0)
    assert (last["stalled_count"], last["stalled_value"]) == (1, 20000.0)


async def test_no_review_without_open_deals(tmp_path: Path) -> None:
    s = await Store.create(tmp_path / "empty.sqlite3")
    try:
        deals = tmp_path / "closed.csv"
        deals.write_text(HEADER + WEEK1.splitlines(keepends=True)[2])
        await import_file(s, deals, EARLY)
        await agent_pass(s, MONDAY)
        assert await moves(s, AGENT) == []
        async with s.transaction() as session:
            assert await session.scalar(select(Move.id)) is None
    finally:
        await s.close()
