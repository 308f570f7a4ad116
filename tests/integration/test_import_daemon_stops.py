"""The daemon stops in the middle of an import the CLI follows: the CLI says the daemon
stopped and that the import was interrupted, that what it wrote is kept, and that running
the same command again finishes it; where it may start the daemon, it reads how the job ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import corpus
from caseyos_cli.client import Client
from daemon import paths
from tests.conftest import DaemonProcess, run_cli

ROWS = 6000


def _import_until_progress(
    daemon: DaemonProcess, path: Path, sig: int, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `caseyos import path`; stop the daemon with `sig` when the import first reports
    rows written (so the kill lands mid-import, whatever the machine's speed)."""
    assert daemon.proc is not None
    with Client.connect() as events:
        stream = events.events()
        cli = subprocess.Popen(
            [sys.executable, "-m", "caseyos_cli", "import", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for event in stream:
            data = event["data"]
            if (
                event["type"] == "job.updated"
                and data.get("kind") == "import"
                and data["status"] == "running"
                and data["phase"] == "importing"
                and data["done"] > 0
            ):
                assert data["done"] < ROWS, data
                daemon.proc.send_signal(sig)
                break
    daemon.proc.wait(30)
    out, err = cli.communicate(timeout=120)
    return subprocess.CompletedProcess(cli.args, cli.returncode, out, err)


def _stop_pid(pid: int) -> None:
    """SIGTERM a daemon this test did not start as a child, and wait until it is gone."""
    os.kill(pid, signal.SIGTERM)
    for _ in range(600):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _contacts(daemon: DaemonProcess) -> int:
    total: int = daemon.call("contacts.list", {"limit": 1})["total"]
    return total


@pytest.mark.long
def test_kill_9_mid_import_says_the_import_was_interrupted_and_how_to_finish(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    stats = corpus.write_contacts_csv(path, ROWS)
    result = _import_until_progress(blank_daemon, path, signal.SIGKILL, dict(os.environ))
    said = " ".join(result.stderr.split())
    assert result.returncode == 5, result.stderr
    assert "Traceback" not in result.stderr
    assert "lost the daemon" not in said
    assert "the daemon stopped while job" in said
    assert "the job was interrupted" in said
    assert "what it wrote is kept; run the same command again to finish it" in said

    # As it said: the daemon, started again, calls the job interrupted; the same command
    # finishes the import, and no contact is there twice.
    blank_daemon.start()
    [job] = [j for j in blank_daemon.call("jobs.list", {})["jobs"] if j["kind"] == "import"]
    assert job["status"] == "interrupted"
    assert 0 < _contacts(blank_daemon) < stats.records
    again = run_cli("import", str(path))
    assert again.returncode == 0, again.stderr
    assert _contacts(blank_daemon) == stats.records


def test_sigterm_mid_import_with_autostart_reads_how_the_job_ended(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    corpus.write_contacts_csv(path, ROWS)
    env = dict(os.environ)
    env.pop("CASEYOS_NO_AUTOSTART")
    try:
        result = _import_until_progress(blank_daemon, path, signal.SIGTERM, env)
    finally:
        # The CLI started a daemon of its own to ask how the job ended: stop it.
        pid = paths.pid_file().read_text().strip() if paths.pid_file().exists() else ""
        if pid and int(pid) != blank_daemon.proc.pid:  # type: ignore[union-attr]
            _stop_pid(int(pid))
    said = " ".join(result.stderr.split())
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "lost the daemon" not in said
    assert "the daemon stopped while job" in said
    assert "the job is interrupted" in said
    assert "the daemon runs again now" in said
    assert "what it wrote is kept; run the same command again to finish it" in said
