"""A daemon that does not accept connections (its listen backlog full) is busy, not gone:
commands wait briefly, then say so with exit 5, and never start a second daemon."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from caseyos_cli.client import Client, DaemonBusy
from daemon import paths
from tests.conftest import DaemonProcess, run_cli


def _fill_backlog(path: Path) -> list[socket.socket]:
    """Connect without blocking until the listener refuses more with EAGAIN."""
    held: list[socket.socket] = []
    for _ in range(10_000):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(str(path))
        except BlockingIOError:
            sock.close()
            return held
        held.append(sock)
    raise AssertionError("the backlog never filled")


@contextlib.contextmanager
def _stopped(pid: int) -> Iterator[None]:
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _status_when_free() -> dict[str, Any]:
    for _ in range(300):
        try:
            with Client.connect() as client:
                status: dict[str, Any] = client.call("system.status")
                return status
        except DaemonBusy:
            time.sleep(0.1)
    raise AssertionError("the daemon never took connections again")


def _autostart_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CASEYOS_NO_AUTOSTART", None)
    env["CASEYOS_BUSY_WAIT"] = "0.5"
    return env


def test_a_stopped_daemon_with_a_full_backlog_is_busy_and_not_replaced(
    daemon: DaemonProcess,
) -> None:
    assert daemon.proc is not None
    log = paths.log_file()
    before = log.read_text(errors="replace") if log.exists() else ""
    with _stopped(daemon.proc.pid):
        held = _fill_backlog(daemon.socket)
        try:
            result = run_cli("queue", "today", env=_autostart_env())
        finally:
            for sock in held:
                sock.close()
    after = log.read_text(errors="replace") if log.exists() else ""
    assert result.returncode == 5, result.stderr
    assert f"the daemon at {daemon.socket} is busy (not accepting connections)" in " ".join(
        result.stderr.split()
    )
    assert "daemon exited during startup" not in result.stderr
    assert "caseyos daemon start`" not in result.stderr
    assert "Traceback" not in result.stderr
    # No second daemon was started: none wrote to the log, none lost the race for the lock.
    assert after == before
    assert "already running" not in after
    assert not paths.startup_lock().exists()
    # The stopped one is still the daemon, and answers again once it runs (and has worked
    # through the connections queued meanwhile).
    assert _status_when_free()["pid"] == daemon.proc.pid


def test_a_listener_that_never_accepts_is_busy(caseyos_home: Path) -> None:
    path = paths.socket_path()
    paths.ensure_private_dir(path.parent)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(0)
    held = _fill_backlog(path)
    try:
        result = run_cli("jobs", "list", env=_autostart_env())
        # Asking about the daemon, stopping or starting it: busy, never "not running".
        asked = [
            run_cli(*args, env=_autostart_env())
            for args in ([], ["daemon", "status"], ["daemon", "stop"], ["daemon", "start"])
        ]
    finally:
        for sock in held:
            sock.close()
        listener.close()
    assert result.returncode == 5, result.stderr
    assert "is busy (not accepting connections)" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    for answer in asked:
        assert answer.returncode == 5, answer
        assert "is busy (not accepting connections)" in " ".join(answer.stderr.split())
        assert "not running" not in answer.stdout + answer.stderr
    assert not paths.log_file().exists()
    assert not paths.startup_lock().exists()
