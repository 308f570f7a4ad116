"""A full disk is named, with what is free, and the daemon still logs and answers."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.protocol import ErrorCode, RemoteError
from tests.conftest import DaemonProcess, run_cli


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB file system of its own (tmpfs), so filling it harms nothing else."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no room left, down to its last block."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        size = 1 << 20
        while size >= 512:
            try:
                os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                size //= 2
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_is_named_and_the_daemon_keeps_answering(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = small_disk / "home"
    monkeypatch.setenv("CASEYOS_HOME", str(home))
    data = home / "data"
    data.mkdir(parents=True)
    (data / "active_workspace").write_text("main\n")
    d = DaemonProcess(dict(os.environ)).start()
    try:
        d.call("operator.init", {"name": "Casey", "emails": ["casey@northwind.example"]})
        assert (home / "state" / "space-reserve").stat().st_size == 1 << 20
        filler = fill(small_disk)
        failure: RemoteError | None = None
        for i in range(3000):
            try:
                d.call("queue.add", {"title": f"Call number {i}", "why": "x" * 900})
            except RemoteError as exc:
                failure = exc
                break
        assert failure is not None, "the disk never filled up"
        assert failure.code == ErrorCode.UNAVAILABLE, failure.message
        assert failure.message.startswith(f"disk full at {data / 'workspaces'}: ")
        assert "MB free" in failure.message and "internal" not in failure.message
        # The reserve was given back: the daemon logged it and still answers.
        assert not (home / "state" / "space-reserve").exists()
        assert d.call("system.status")["pid"]
        log = (home / "state" / "daemon.log").read_text()
        assert "disk full at" in log
        filler.unlink()
        moved = d.call("queue.add", {"title": "After the clean-up"})["move"]
        assert moved["title"] == "After the clean-up"
        # With room again, the reserve is taken back for the next time.
        assert (home / "state" / "space-reserve").stat().st_size == 1 << 20
    finally:
        d.stop()


def test_a_read_only_data_disk_says_so_not_damaged(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = small_disk / "home"
    data = home / "data"
    data.mkdir(parents=True)
    # The data on a file system of its own, to make read-only later (state stays writable).
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(data)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount: {mounted.stderr.strip()}")
    try:
        monkeypatch.setenv("CASEYOS_HOME", str(home))
        (data / "active_workspace").write_text("main\n")
        d = DaemonProcess(dict(os.environ)).start()
        d.call("operator.init", {"name": "Casey", "emails": ["casey@northwind.example"]})
        assert d.stop() == 0
        remounted = subprocess.run(
            ["mount", "-o", "remount,ro", str(data)], capture_output=True, text=True
        )
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remounted.stderr.strip()}")
        d.proc = subprocess.Popen(
            [sys.executable, "-m", "caseyos_cli", "daemon", "run"],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        done = run_cli("queue", "today")
        for _ in range(400):
            if done.returncode != 5:
                break
            assert d.proc.poll() is None, d.proc.stdout.read() if d.proc.stdout else ""
            time.sleep(0.05)
            done = run_cli("queue", "today")
        assert done.returncode == 1, done
        said = " ".join(done.stderr.split())
        assert "cannot be written" in said and "damaged" not in said, said
        d.stop()
    finally:
        subprocess.run(["umount", "-l", str(data)], capture_output=True)


def test_an_import_that_fills_the_disk_fails_saying_so(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import corpus

    home = small_disk / "home"
    monkeypatch.setenv("CASEYOS_HOME", str(home))
    (home / "data").mkdir(parents=True)
    (home / "data" / "active_workspace").write_text("main\n")
    contacts = tmp_path / "contacts.csv"  # on the big disk: only the data fills up
    corpus.write_contacts_csv(contacts, 20_000)
    d = DaemonProcess(dict(os.environ)).start()
    try:
        d.call("operator.init", {"name": "Casey", "emails": ["casey@northwind.example"]})
        filler = fill(small_disk)
        # Room to start the job, not to finish it: 20,000 contacts need several MB.
        os.truncate(filler, filler.stat().st_size - (2 << 20))
        job = d.call("import.file", {"path": str(contacts)})["job"]
        while job["status"] == "running":
            job = d.call("jobs.wait", {"id": job["id"], "timeout": 20})["job"]
        assert job["status"] == "failed", job
        assert job["error"].startswith("disk full at "), job["error"]
        filler.unlink()
        assert d.call("system.status")["pid"]
    finally:
        d.stop()
