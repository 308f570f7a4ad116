"""`caseyos agents ...` through the real CLI and daemon: a dry run shows what an agent
would propose and stores nothing (the real run then stores exactly that), runs are
recorded and shown, and wrong names, knobs and values are refused with the right words
and exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agents.base import REGISTRY
from tests.conftest import DaemonProcess, run_cli


@pytest.fixture
def daemon_env(caseyos_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # Only the first pass after start: no scheduled pass may change the store mid-test.
    monkeypatch.setenv("CASEYOS_TICK_SECONDS", "86400")
    return dict(os.environ)


def cli(*args: str) -> Any:
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def snapshot(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("signals", "moves", "move_signals", "agent_runs")
        }


def test_a_dry_run_stores_nothing_and_the_real_run_stores_what_it_showed(
    daemon: DaemonProcess, caseyos_home: Path
) -> None:
    db = caseyos_home / "data" / "workspaces" / "demo.sqlite3"
    assert cli("agents", "set", "deal_health", "stalled_days", "3")["knobs"]["stalled_days"] == 3
    before = snapshot(db)

    dry = cli("agents", "run", "deal_health", "--dry-run")
    assert dry["agent"] == "deal_health" and dry["errors"] == 0
    assert dry["clock_signals"] >= 2, "deals stalled for 3 days, not yet signalled"
    new = [p for p in dry["proposals"] if p["existing"] is None]
    assert len(new) >= 2
    assert all(p["title"].startswith("Review stalled deal") for p in new)
    assert [p["aps"] for p in dry["proposals"]] == sorted(
        (p["aps"] for p in dry["proposals"]), reverse=True
    )
    human = run_cli("agents", "run", "deal_health", "--dry-run")
    assert human.returncode == 0
    assert "nothing was stored" in human.stdout and new[0]["title"] in human.stdout
    assert snapshot(db) == before, "a dry run leaves signals, moves and runs as they were"

    result = daemon.run_job("agents.run", {"name": "deal_health"})["agent"]
    assert result["proposed"] == len(new) and result["errors"] == 0
    with sqlite3.connect(db) as conn:
        stored = {
            key: aps
            for key, aps in conn.execute(
                "SELECT dedup_key, aps FROM moves WHERE agent = 'deal_health'"
            )
        }
        waiting = conn.execute(
            "SELECT count(*) FROM signals WHERE kind = 'deal.stalled' AND processed_at IS NULL"
        ).fetchone()[0]
    for p in new:
        assert stored[p["dedup_key"]] == pytest.approx(p["aps"], abs=0.05)
    assert waiting == dry["clock_signals"], "left for the next full pass, for every agent"

    shown = cli("agents", "show", "deal_health")
    assert shown["runs"][0]["trigger"] == "manual"
    assert (shown["runs"][0]["signals"], shown["runs"][0]["proposed"]) == (waiting, len(new))
    assert {k["name"]: (k["value"], k["default"]) for k in shown["knobs"]} == {
        "stalled_days": (3, 14),
        "close_dates": (True, True),
    }
    listed = {a["name"]: a for a in cli("agents", "list")["agents"]}
    assert listed["deal_health"]["last_run_at"] == shown["runs"][0]["finished_at"]

    # A full pass then reads those signals with every agent: deal_health refreshes its moves.
    report = daemon.run_job("agents.run")["report"]
    assert report["proposed"] == 0 and report["updated"] >= len(new)
    runs = cli("agents", "show", "deal_health")["runs"]
    assert (runs[0]["trigger"], runs[0]["updated"]) == ("manual", len(new))


def test_acceptance_rate_follows_the_operators_decisions(daemon: DaemonProcess) -> None:
    moves = daemon.call("queue.list", {"status": ["pending"], "limit": 200})["moves"]
    many = Counter(m["agent"] for m in moves)
    agent = next(m["agent"] for m in moves if many[m["agent"]] >= 2)
    mine = [m["id"] for m in moves if m["agent"] == agent][:2]
    assert len(mine) == 2
    before = {a["name"]: a for a in cli("agents", "list")["agents"]}
    assert before[agent]["acceptance_rate"] is None, "nothing decided in the demo yet"
    daemon.call("queue.accept", {"id": mine[0]})
    daemon.call("queue.done", {"id": mine[0]})
    daemon.call("queue.dismiss", {"id": mine[1], "reason": "not now"})
    proposed = daemon.call("queue.stats", {})["by_agent"][agent]["proposed"]
    listed = {a["name"]: a for a in cli("agents", "list")["agents"]}
    assert (listed[agent]["accepted"], listed[agent]["decided"]) == (1, 2)
    assert listed[agent]["acceptance_rate"] == round(1 / proposed, 3)
    assert all(a["acceptance_rate"] is None for n, a in listed.items() if n != agent)
    text = run_cli("agents", "list").stdout
    assert f"{100 / proposed:.0f}%" in text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["show", "nobody"],
            "no agent 'nobody'; agents: " + ", ".join(sorted(REGISTRY)),
        ),
        (["run", "nobody", "--dry-run"], "no agent 'nobody'"),
        (["run", "nobody"], "no agent 'nobody'"),
        (["enable", "nobody"], "no agent 'nobody'"),
        (
            ["set", "meeting_prep", "patience", "2"],
            "meeting_prep has no knob 'patience'; its knobs: horizon_working_days,",
        ),
        (["set", "meeting_prep", "horizon_working_days", "soon"], "is a number, not 'soon'"),
        (["set", "crm_tasks", "colleagues_tasks", "perhaps"], "is yes or no, not 'perhaps'"),
        (["run", "--dry-run"], "--dry-run needs an agent"),
    ],
)
def test_wrong_names_knobs_and_values_are_refused_clearly(
    steady_daemon: DaemonProcess, args: list[str], said: str
) -> None:
    done = run_cli("agents", *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert said in " ".join(done.stderr.split()), done.stderr
    assert done.stdout == ""
