"""One broken agent or one unscorable move never stops the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import agents as agents_pkg
from agents.base import Agent, Facts, Proposal, SignalView
from daemon.domain import pipeline
from daemon.store.engine import make_engine, migrate, sessionmaker
from daemon.store.models import Move, Signal

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)


class Broken(Agent):
    name = "broken"
    consumes = frozenset({"email.received"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        raise RuntimeError("boom")


class Unscorable(Agent):
    name = "unscorable"
    consumes = frozenset({"email.received"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        return [
            Proposal(
                dedup_key="u:1",
                move_type="reply",
                title="t",
                why_now="w",
                due_at=NOW,
                score_inputs={"urgency": {"basis": "reply", "since": "not a time"}},
            )
        ]


class Fine(Agent):
    name = "fine"
    consumes = frozenset({"email.received"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        return [
            Proposal(
                dedup_key="f:1",
                move_type="task",
                title="ok",
                why_now="fine",
                due_at=NOW,
                score_inputs={"move_type": "task"},
            )
        ]


async def test_a_failing_agent_leaves_the_others_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agents_pkg, "ALL_AGENTS", (Broken(), Unscorable(), Fine()))
    monkeypatch.setattr(
        pipeline, "enabled_agents", lambda disabled=frozenset(): list(agents_pkg.ALL_AGENTS)
    )
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    await migrate(engine)
    factory = sessionmaker(engine)
    async with factory() as s, s.begin():
        s.add(
            Signal(
                kind="email.received",
                source="files",
                occurred_at=NOW,
                dedup_key="email.received:1",
                payload={},
                created_at=NOW,
            )
        )
        s.add(
            Move(
                title="old",
                why_now="x",
                move_type="reply",
                agent="reply_needed",
                aps=50,
                aps_breakdown={},
                score_inputs={"urgency": {"basis": "reply", "since": "garbage"}},
                due_at=NOW,
                status="pending",
                dedup_key="old:1",
                created_at=NOW,
                updated_at=NOW,
                expires_at=NOW + timedelta(days=3),
            )
        )
    async with factory() as s, s.begin():
        report = await pipeline.run(s, NOW)
    assert report["failed_agents"] == 2
    assert report["proposed"] == 1
    async with factory() as s:
        scores = {m.dedup_key: m.aps for m in (await s.scalars(select(Move))).all()}
        assert "f:1" in scores
        assert scores["old:1"] == 50, "the unscorable move keeps its last score"
        signal = (await s.scalars(select(Signal))).one()
        assert signal.processed_at is None, "signals stay queued for the failed agents"
    await engine.dispose()
