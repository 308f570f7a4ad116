"""The demo workspace through the real daemon: today's moves, kept apart, reset."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from agents import ALL_AGENTS
from tests.conftest import DaemonProcess, run_cli
from tests.mailfixtures import write_contacts_csv


def test_first_start_shows_ranked_demo_moves_with_why_now(
    steady_demo_daemon: DaemonProcess,
) -> None:
    today = steady_demo_daemon.call("queue.today", {"limit": 100})
    moves = today["moves"]
    assert today["workspace"] == "demo"
    assert len(moves) >= 8
    assert [m["aps"] for m in moves] == sorted((m["aps"] for m in moves), reverse=True)
    assert all(len(m["why_now"]) > 30 for m in moves)
    agents = {m["agent"] for m in moves}
    assert {"reply_needed", "follow_up_due", "meeting_prep"} <= agents
    # Every agent's moves are about someone (but the weekly pipeline review, which is about
    # every deal), and the breakdown adds up to the score.
    for m in moves:
        assert m["contact"] is not None or m["agent"] == "pipeline_report"
        explained = steady_demo_daemon.call("queue.explain", {"id": m["id"]})
        parts = explained["breakdown"]["components"]
        total = (
            sum(c["points"] for c in parts.values()) + explained["breakdown"]["learned"]["points"]
        )
        assert abs(total - m["aps"]) < 0.3


def test_every_agent_has_something_to_propose_in_the_demo(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """The demo shows every agent at work: each registered agent has at least one move in
    today's queue (the weekly pipeline review is a move too), so an agent added without demo
    data to show it fails here."""
    today = steady_demo_daemon.call("queue.today", {"limit": 500})
    assert today["total"] == len(today["moves"])
    by_agent: dict[str, list[str]] = {}
    for m in today["moves"]:
        by_agent.setdefault(m["agent"], []).append(m["title"])
    silent = [a.name for a in ALL_AGENTS if a.name not in by_agent]
    assert silent == [], f"agents with nothing to propose in the demo: {silent}"
    # The data the agents that need older or messier records find (see seed.json).
    assert by_agent["duplicate_watcher"] == ["Merge the 2 records of Hannah Brooks"]
    assert by_agent["data_decay"] == [
        "Check Walter Brennan (Bluewater Marine Supply) is still current"
    ]
    assert by_agent["nurture"] == ["Check in with Nina Castillo (Bluewater Marine Supply)"]
    assert by_agent["renewal_watch"] == [
        "Work the renewal of Alder & Finch Apparel - Annual renewal"
    ]
    assert by_agent["client_health"] == [
        "Check in with Hugo Lindqvist (Alder & Finch Apparel) (at risk)"
    ]
    assert by_agent["proposal"] == ["Send proposal for Tallgrass Analytics - Canadian entity"]


def test_top_five_of_the_demo_day_are_what_an_operator_does_first(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """`caseyos queue today` on the demo (Wednesday 10:00 in New York): the first five moves
    are the ones a reasonable operator does first, for the reasons given per move."""
    out = run_cli("queue", "today", "--limit", "5", "--json")
    assert out.returncode == 0, out.stderr
    moves = json.loads(out.stdout)["moves"]
    top = [(m["move_type"], (m["contact"] or {}).get("name")) for m in moves]
    assert len(top) == 5
    # 1-2, in either order (both replies have waited two days on the two largest deals; which
    # to write first is a coin toss):
    # - Owen Fitzgerald asked whether Brightpath ($72k, decision maker bought in, closing in
    #   five days) can split the rollout around their auditors; the plan and signature wait
    #   on our answer.
    # - Hannah Brooks asked for one written confirmation (data export on exit) and says that
    #   unblocks Kestrel's $120k rollout; Victor reopens the budget once she has it.
    assert set(top[:2]) == {("reply", "Owen Fitzgerald"), ("reply", "Hannah Brooks")}
    # 3. The call with Victor Alvarez about Kestrel's timing: a high-priority CRM task five
    #    days overdue on the biggest deal, best made right after Hannah has her answer.
    assert top[2] == ("task", "Victor Alvarez")
    # 4-5, in either order (same deal, same morning): Harborline ($48k) is at contract sent,
    # the closest money in the pipeline.
    # - Dana Reyes says legal signed off but for one clause and she can sign this week once
    #   she has an updated order form: the step to a signature.
    # - The recap of yesterday's implementation planning with Dana, Marcus and Priya (its
    #   draft is ready): nobody who came has heard from us since.
    assert set(top[3:]) == {("reply", "Dana Reyes"), ("meeting_follow_up", "Dana Reyes")}
    # Record hygiene and nurture wait for a quiet hour, however much data they find.
    assert not any(m["move_type"] == "data_fix" for m in moves)
    assert not {m["agent"] for m in moves} & {"duplicate_watcher", "data_decay", "nurture"}


def test_running_agents_again_adds_no_duplicates(daemon: DaemonProcess) -> None:
    before = daemon.call("queue.list", {"limit": 1000})["moves"]
    report = daemon.run_job("agents.run")["report"]
    assert report["proposed"] == 0
    after = daemon.call("queue.list", {"limit": 1000})["moves"]
    assert sorted(m["id"] for m in after) == sorted(m["id"] for m in before)
    keys = [(m["agent"], m["title"]) for m in after]
    assert len(keys) == len(set(keys))


def test_demo_never_mixes_with_real_data(
    daemon: DaemonProcess, tmp_path: Path, caseyos_home: Path
) -> None:
    demo_moves = daemon.call("queue.today", {"limit": 100})["total"]
    dismissed = daemon.call("queue.today", {})["moves"][0]["id"]
    daemon.call("queue.dismiss", {"id": dismissed, "reason": "demo click"})

    init = run_cli(
        "init",
        "--name",
        "Real Person",
        "--email",
        "me@realco.example",
        "--internal-domain",
        "realco.example",
        "--timezone",
        "Europe/Berlin",
    )
    assert init.returncode == 0, init.stderr
    csv = write_contacts_csv(
        tmp_path / "contacts.csv",
        [
            {
                "Record ID": "1",
                "First Name": "Ana",
                "Last Name": "Lima",
                "Email": "ana@client.example",
                "Company Name": "Client Co",
                "Create Date": "2026-11-20 10:00",
            },
        ],
    )
    imported = run_cli("import", str(csv))
    assert imported.returncode == 0, imported.stderr
    # `init` already made 'main' active: nothing to say about the demo on this import.
    assert "demo" not in imported.stderr

    mine = json.loads(run_cli("queue", "today", "--json").stdout)
    assert mine["workspace"] == "main" and mine["total"] == 0
    main_db = caseyos_home / "data" / "workspaces" / "main.sqlite3"
    demo_db = caseyos_home / "data" / "workspaces" / "demo.sqlite3"
    with sqlite3.connect(main_db) as db:
        assert db.execute("SELECT email FROM contacts").fetchall() == [("ana@client.example",)]
    with sqlite3.connect(demo_db) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] >= 25
        assert (
            db.execute(
                "SELECT count(*) FROM contacts WHERE email = 'ana@client.example'"
            ).fetchone()[0]
            == 0
        )

    # Back to the demo: as it was, including the operator's click.
    assert run_cli("demo").returncode == 0
    back = daemon.call("queue.today", {"limit": 100})
    assert back["workspace"] == "demo" and back["total"] == demo_moves - 1
    # An import from the demo switches to 'main', and says so once.
    again = run_cli("import", str(csv))
    assert again.returncode == 0, again.stderr
    assert "demo stays in its own database" in again.stderr.replace("\n", " ")
    assert "demo" not in run_cli("import", str(csv)).stderr
    assert run_cli("demo").returncode == 0

    # --reset removes it completely and builds it anew.
    assert run_cli("demo", "--reset").returncode == 0
    fresh = daemon.call("queue.today", {"limit": 100})
    assert fresh["total"] == demo_moves
    assert daemon.call("queue.stats", {})["by_status"].get("dismissed", 0) == 0
    with sqlite3.connect(main_db) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1


def test_human_output_of_today(steady_demo_daemon: DaemonProcess) -> None:
    out = run_cli("queue", "today", env={**os.environ, "COLUMNS": "80"})
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "APS", "Move,"]
    assert max(len(line) for line in lines) <= 80
    assert "moves due today" in out.stderr


@pytest.mark.parametrize(
    "now",
    [
        "2026-11-28T14:00:00+00:00",  # Saturday morning in NY
        "2026-11-30T12:00:00+00:00",  # Monday 07:00 in NY
        "2027-03-15T03:30:00+00:00",  # Sunday 23:30 in NY, the day DST began
    ],
)
def test_demo_has_a_full_day_of_moves_any_day(daemon_env: dict[str, str], now: str) -> None:
    d = DaemonProcess(daemon_env).start(now=now)
    try:
        today = d.call("queue.today", {"limit": 500})
        assert today["total"] >= 8
        # Every agent has something to show, whatever the day.
        assert {a.name for a in ALL_AGENTS} == {m["agent"] for m in today["moves"]}
    finally:
        d.stop()
