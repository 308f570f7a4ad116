"""Long work as jobs: imports that survive kill -9, cancel, progress, and the CLI around them."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from daemon import paths
from daemon.protocol import ErrorCode, RemoteError
from tests.conftest import PINNED_NOW, DaemonProcess, run_cli
from tests.mailfixtures import OPERATOR, Mail, write_mbox

NOW = datetime.fromisoformat(PINNED_NOW)


def conversation_mbox(path: Path, n: int) -> Path:
    """`n` messages in four-message threads with 300 contacts at 40 companies."""
    mails = []
    for i in range(n):
        person = f"p{i % 300}@acme{i % 40}.example"
        inbound = i % 2 == 1
        mails.append(
            Mail(
                f"m{i}@bulk",
                person if inbound else OPERATOR,
                OPERATOR if inbound else person,
                f"Thread {i // 4}",
                NOW - timedelta(days=5) + timedelta(minutes=i),
                thread=str(10_000 + i // 4),
                labels="Inbox" if inbound else "Sent",
            )
        )
    return write_mbox(path, mails)


def db_counts(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as conn:
        return {
            "messages": conn.execute("SELECT count(*) FROM messages").fetchone()[0],
            "distinct": conn.execute("SELECT count(DISTINCT message_id) FROM messages").fetchone()[
                0
            ],
            "signals": conn.execute("SELECT count(*) FROM signals").fetchone()[0],
            "signal_keys": conn.execute("SELECT count(DISTINCT dedup_key) FROM signals").fetchone()[
                0
            ],
            "moves": conn.execute("SELECT count(*) FROM moves").fetchone()[0],
            "move_keys": conn.execute("SELECT count(DISTINCT dedup_key) FROM moves").fetchone()[0],
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }


@pytest.mark.long
def test_kill_9_at_random_points_of_an_import_loses_and_duplicates_nothing(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = blank_daemon
    n = 1200
    big = conversation_mbox(tmp_path / "big.mbox", n)
    db = paths.workspaces_dir() / "main.sqlite3"
    rng = random.Random(20261125)
    seen_progress = []
    statuses = []
    for _ in range(10):
        job = d.call("import.file", {"path": str(big)})["job"]
        # Kill at a random point of the job's own progress (not of the wall clock, which
        # depends on the machine): part way through writing messages or the agent pass.
        phase = rng.choice(["importing", "agents"])
        target = rng.uniform(0.0, 0.9)
        while job["status"] == "running":
            if job["phase"] == phase and job["total"] and job["done"] >= target * job["total"]:
                break
            if phase == "importing" and job["phase"] == "agents":
                break
            time.sleep(0.005)
            job = d.call("jobs.show", {"id": job["id"]})["job"]
        d.stop(sig=signal.SIGKILL)
        seen_progress.append(db_counts(db)["messages"])
        d.start()
        shown = d.call("jobs.show", {"id": job["id"]})["job"]
        statuses.append(shown["status"])
        assert shown["status"] in ("interrupted", "succeeded"), shown
    # Most kills landed while the job ran (it may finish between the poll and the kill).
    assert statuses.count("interrupted") >= 5, statuses
    final = d.run_job("import.file", {"path": str(big)})
    after = db_counts(db)
    assert after["messages"] == after["distinct"] == n, after
    assert after["signals"] == after["signal_keys"]
    assert after["moves"] == after["move_keys"]
    assert after["integrity"] == "ok"
    # The last run wrote only what the killed ones had not (resumed, never twice).
    assert final["counts"].get("messages", 0) == n - seen_progress[-1]
    with sqlite3.connect(db) as conn:
        waiting = conn.execute("SELECT count(*) FROM signals WHERE processed_at IS NULL")
        assert waiting.fetchone()[0] == 0


def test_import_job_reports_progress_events_and_its_result(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = blank_daemon
    path = conversation_mbox(tmp_path / "m.mbox", 400)
    with d.client() as watcher:
        events = watcher.events()
        job = d.call("import.file", {"path": str(path)})["job"]
        assert job["status"] == "running" and job["kind"] == "import"
        updates = []
        for event in events:
            if event["type"] == "job.updated" and event["data"]["id"] == job["id"]:
                updates.append(event["data"])
                if event["data"]["status"] != "running":
                    break
    assert updates[-1]["status"] == "succeeded"
    assert {u["phase"] for u in updates} >= {"importing", "agents"}
    importing = [u for u in updates if u["phase"] == "importing" and u["total"]]
    assert importing and importing[-1]["total"] == 400
    shown = d.call("jobs.show", {"id": job["id"]})["job"]
    assert shown["result"]["counts"]["messages"] == 400
    assert shown["result"]["queue"]["proposed"] > 0
    listed = d.call("jobs.list", {})["jobs"]
    assert listed[0]["id"] == job["id"] and listed[0]["status"] == "succeeded"


@pytest.mark.long
def test_cancel_stops_an_import_between_chunks_and_a_rerun_finishes_it(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = blank_daemon
    n = 1500
    path = conversation_mbox(tmp_path / "c.mbox", n)
    job = d.call("import.file", {"path": str(path)})["job"]
    while d.call("jobs.show", {"id": job["id"]})["job"]["done"] == 0:
        time.sleep(0.01)
    cancelled = d.call("jobs.cancel", {"id": job["id"]})["job"]
    if cancelled["status"] == "succeeded":
        pytest.skip("the machine finished the import before the cancel arrived")
    assert cancelled["status"] == "cancelled", cancelled
    with pytest.raises(RemoteError) as again:
        d.call("jobs.cancel", {"id": job["id"]})
    assert again.value.code == ErrorCode.CONFLICT
    db = paths.workspaces_dir() / "main.sqlite3"
    partial = db_counts(db)["messages"]
    assert isinstance(partial, int) and partial < n
    d.run_job("import.file", {"path": str(path)})
    assert db_counts(db)["messages"] == n


def test_unknown_job_and_bad_files_are_clear_errors(
    steady_daemon: DaemonProcess, tmp_path: Path
) -> None:
    """Shares the module's daemon with the CLI import test: it looks only at whether the
    refused import added a job, and that one only at its own jobs."""
    d = steady_daemon
    before = d.call("jobs.list", {"limit": 1000})["jobs"]
    with pytest.raises(RemoteError) as missing:
        d.call("jobs.show", {"id": "nope"})
    assert missing.value.code == ErrorCode.NOT_FOUND
    assert "caseyos jobs list" in missing.value.message
    junk = tmp_path / "junk.csv"
    junk.write_text("just,some,columns\n1,2,3\n")
    with pytest.raises(RemoteError) as bad:
        d.call("import.file", {"path": str(junk)})
    assert bad.value.code == ErrorCode.INVALID_PARAMS
    assert d.call("jobs.list", {"limit": 1000})["jobs"] == before, "a refused import is no job"


def test_cli_import_waits_with_progress_or_returns_a_job_id(
    steady_daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = conversation_mbox(tmp_path / "cli.mbox", 200)
    done = run_cli("import", str(path))
    assert done.returncode == 0, done.stderr
    assert "cli.mbox (mbox): " in done.stdout and "200 new messages" in done.stdout
    assert "Importing cli.mbox: " in done.stderr  # counts on stderr without a terminal

    started = run_cli("import", str(path), "--no-wait")
    assert started.returncode == 0, started.stderr
    job_id = started.stdout.strip()
    waited = run_cli("jobs", "wait", job_id, "--json")
    assert waited.returncode == 0, waited.stderr
    job = json.loads(waited.stdout)
    assert job["status"] == "succeeded" and job["result"]["counts"] == {}

    listed = run_cli("jobs", "list")
    assert listed.returncode == 0 and job_id in listed.stdout
    assert all(len(line) <= 80 for line in listed.stdout.splitlines())
    wrong = run_cli("jobs", "show")
    assert wrong.returncode == 2
