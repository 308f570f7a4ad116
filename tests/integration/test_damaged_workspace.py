"""A damaged workspace: the daemon starts anyway, says what is wrong and how to get back."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from caseyos_cli.client import Client, DaemonUnreachable
from tests.conftest import DaemonProcess, run_cli


def start_without_waiting_for_a_pass(d: DaemonProcess) -> None:
    """Start the daemon and wait until it answers (a damaged workspace runs no pass)."""
    import subprocess
    import sys

    d.proc = subprocess.Popen(
        [sys.executable, "-m", "caseyos_cli", "daemon", "run"],
        env=d.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert d.proc.poll() is None, d.proc.stdout.read().decode() if d.proc.stdout else ""
        try:
            with Client.connect():
                return
        except DaemonUnreachable:
            time.sleep(0.05)
    raise AssertionError("the daemon did not answer")


def test_backup_damage_restore(blank_daemon: DaemonProcess, caseyos_home: Path) -> None:
    d = blank_daemon
    kept = d.call("queue.add", {"title": "Kept by the backup"})["move"]
    made = run_cli("workspace", "backup")
    assert made.returncode == 0, made.stderr
    backups = list((caseyos_home / "data" / "backups" / "main").glob("*.sqlite3"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    d.call("queue.add", {"title": "After the backup"})
    assert d.stop() == 0

    # 40 KiB of garbage over the middle of the file, as a bad disk block would leave it.
    db = caseyos_home / "data" / "workspaces" / "main.sqlite3"
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    with open(db, "r+b") as f:
        f.seek(0)
        f.write(os.urandom(40 << 10))

    start_without_waiting_for_a_pass(d)
    today = run_cli("queue", "today")
    assert today.returncode == 1, today
    said = " ".join(today.stderr.split())
    assert "workspace main is damaged" in said and "caseyos workspace restore main" in said
    assert "Traceback" not in today.stderr
    bare = run_cli()
    assert bare.returncode == 1 and "damaged" in bare.stderr
    # Other workspaces work meanwhile: the demo builds and answers.
    assert run_cli("demo").returncode == 0
    assert run_cli("queue", "today", "--json").returncode == 0

    restored = run_cli("workspace", "restore", "main")
    assert restored.returncode == 0, restored.stderr
    assert "Restored main" in restored.stdout
    assert run_cli("workspace", "use", "main").returncode == 0
    titles = [m["title"] for m in d.call("queue.list", {"limit": 100})["moves"]]
    assert kept["title"] in titles and "After the backup" not in titles
    # The damaged file was kept, not deleted.
    assert list((caseyos_home / "data" / "backups" / "main").glob("*.replaced"))


def test_the_daily_backup_and_a_restore_that_names_none(
    blank_daemon: DaemonProcess, caseyos_home: Path
) -> None:
    # The first pass made today's backup of the workspace in use.
    backups = caseyos_home / "data" / "backups" / "main"
    assert [p.name for p in backups.glob("*.sqlite3")] == [
        f"{time.strftime('%Y-%m-%d', time.gmtime())}.sqlite3"
    ]
    wrong = run_cli("workspace", "restore", "main", "--from", "1999-01-01")
    assert wrong.returncode in (1, 2)


@pytest.mark.long
def test_recover_saves_what_a_damaged_file_still_holds(
    blank_daemon: DaemonProcess, caseyos_home: Path
) -> None:
    d = blank_daemon
    for i in range(300):
        d.call("queue.add", {"title": f"Call number {i}", "why": "a reason " * 40})
    assert d.stop() == 0
    db = caseyos_home / "data" / "workspaces" / "main.sqlite3"
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(40 << 10))  # a bad stretch in the middle; the header is whole

    start_without_waiting_for_a_pass(d)
    broken = run_cli("queue", "list", "--all", "--json")
    assert broken.returncode == 1 and "damaged" in broken.stderr

    done = run_cli("workspace", "recover", "main")
    assert done.returncode == 0, done.stderr
    assert "Recovered main" in done.stdout
    assert list((caseyos_home / "data" / "backups" / "main").glob("*.damaged"))
    moves = d.call("queue.list", {"limit": 1000})
    assert 0 < moves["total"] < 300, "the readable moves came back, the damaged ones not"
    assert len({m["id"] for m in moves["moves"]}) == moves["total"]
    assert d.call("queue.add", {"title": "Written after the recovery"})["move"]["id"]
