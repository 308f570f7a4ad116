"""`caseyos daemon logs`: real events without the migration library's noise, --json, -f."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from daemon import paths
from tests.conftest import DaemonProcess, run_cli

INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?[+-][0-9]{2}:[0-9]{2}"
)


def _main(caseyos_home: Path) -> None:
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")


def test_logs_keep_real_events_and_drop_per_start_noise(
    daemon_env: dict[str, str], caseyos_home: Path
) -> None:
    _main(caseyos_home)
    d = DaemonProcess(daemon_env).start()
    d.restart()
    d.stop()
    text = run_cli("daemon", "logs", "-n", "500")
    assert text.returncode == 0, text.stderr
    assert "alembic" not in text.stdout
    assert "Context impl" not in text.stdout and "setup plugin" not in text.stdout
    assert text.stdout.count("listening on") == 2
    # The schema was made once, on the first start; the second start had nothing to do.
    assert re.search(
        r"INFO +daemon\.workspaces: created workspace main \(schema 0[0-9]{3}\)", text.stdout
    )
    assert text.stdout.count("created workspace main") == 1
    assert "migrated workspace" not in text.stdout


def test_logs_json_is_one_object_per_line(steady_daemon: DaemonProcess) -> None:
    # It shares the module's daemon with the -f test, which adds a few records (an agent
    # pass): the start's "listening on" stays well inside the last 200.
    out = run_cli("daemon", "logs", "--json", "-n", "200")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records and all(list(r) == ["time", "level", "logger", "message"] for r in records)
    assert all(INSTANT.fullmatch(r["time"]) for r in records), records
    assert {"level": "INFO", "logger": "daemon"}.items() <= next(
        r for r in records if "listening on" in r["message"]
    ).items()
    assert len(run_cli("daemon", "logs", "--json", "-n", "2").stdout.splitlines()) == 2


def test_logs_read_the_text_lines_of_earlier_versions_and_stray_output(
    caseyos_home: Path,
) -> None:
    log = paths.log_file()
    log.parent.mkdir(parents=True)
    log.write_text(
        "2026-11-25 10:00:00,123 INFO daemon: daemon 0.0.9 listening on /run/caseyos.sock\n"
        "Traceback (most recent call last):\n"
        '{"time": "2026-11-25T10:00:01.000+00:00", "level": "ERROR", "logger": "daemon", '
        '"message": "scheduled tick failed\\nTraceback (most recent call last):\\n  boom"}\n'
    )
    out = run_cli("daemon", "logs", "--json")
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["level"], r["logger"]) for r in records] == [
        ("INFO", "daemon"),
        (None, None),
        ("ERROR", "daemon"),
    ]
    assert INSTANT.fullmatch(records[0]["time"]) and records[1]["time"] is None
    assert records[0]["message"] == "daemon 0.0.9 listening on /run/caseyos.sock"
    human = run_cli("daemon", "logs").stdout.splitlines()
    assert re.fullmatch(
        r"\S.* INFO +daemon: daemon 0\.0\.9 listening on /run/caseyos\.sock", human[0]
    )
    assert human[1] == "Traceback (most recent call last):"
    assert human[2].endswith("ERROR   daemon: scheduled tick failed")
    assert human[3:] == ["    Traceback (most recent call last):", "      boom"]


def test_logs_follow_prints_new_records(steady_daemon: DaemonProcess) -> None:
    follower = subprocess.Popen(
        [sys.executable, "-m", "caseyos_cli", "daemon", "logs", "-f", "-n", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert follower.stdout is not None
        first = follower.stdout.readline()  # the tail is printed before following starts
        assert first.strip(), first
        steady_daemon.run_job("agents.run")
        seen = ""
        deadline = time.monotonic() + 30
        while "agent pass" not in seen and time.monotonic() < deadline:
            if select.select([follower.stdout], [], [], 1)[0]:
                seen += follower.stdout.readline()
        assert "job" in seen and "agent pass" in seen, seen
    finally:
        follower.terminate()
        follower.wait(10)
