"""The `caseyos` command as a user and a script meet it: output, exit codes, autostart."""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from daemon import paths
from tests.conftest import DaemonProcess, run_cli


def test_no_daemon_and_no_autostart_names_the_socket() -> None:
    out = run_cli("queue", "today")
    assert out.returncode == 5
    assert str(paths.socket_path()) in out.stderr
    assert "caseyos daemon start" in out.stderr
    assert out.stdout == ""


def test_bare_caseyos_prints_status_without_starting_anything() -> None:
    out = run_cli()
    assert out.returncode == 0
    assert "not running" in out.stdout
    assert not paths.socket_path().exists()


def test_usage_errors_exit_2() -> None:
    assert run_cli("queue", "frobnicate").returncode == 2
    assert run_cli("queue", "accept", "seven").returncode == 2
    assert run_cli("queue", "accept", "0").returncode == 2
    bad = run_cli("nonsense")
    assert bad.returncode == 2 and "nonsense" in bad.stderr


def test_init_without_a_tty_asks_for_flags_instead_of_prompting() -> None:
    out = run_cli("init", input="")
    assert out.returncode == 2
    assert "--name" in out.stderr


def test_commands_against_a_running_daemon(blank_daemon: DaemonProcess) -> None:
    add = run_cli("queue", "add", "Call Dana about renewal", "--due", "tomorrow", "--json")
    assert add.returncode == 0, add.stderr
    move = json.loads(add.stdout)["move"]
    assert move["title"] == "Call Dana about renewal"

    shown = run_cli("queue", "show", str(move["id"]))
    assert "Call Dana about renewal" in shown.stdout

    bad_time = run_cli("queue", "snooze", str(move["id"]), "--until", "someday maybe")
    assert bad_time.returncode == 2
    assert "could not understand" in bad_time.stderr

    illegal = run_cli("queue", "done", str(move["id"]))
    assert illegal.returncode == 0
    again = run_cli("queue", "accept", str(move["id"]))
    assert again.returncode == 1
    assert "move 1 is done, and that is final: it cannot be accepted" in again.stderr

    missing = run_cli("queue", "explain", "4242")
    assert missing.returncode == 1 and "no move with id 4242" in missing.stderr

    api = run_cli("api", "list", "--json")
    names = [op["name"] for op in json.loads(api.stdout)["operations"]]
    assert "queue.today" in names and "signals.stats" in names

    status = run_cli()
    assert "running, pid" in status.stdout


def test_no_color_and_pipes_get_plain_text(blank_daemon: DaemonProcess) -> None:
    blank_daemon.call("queue.add", {"title": "Plain text please"})
    out = run_cli("queue", "today", env={**os.environ, "NO_COLOR": "1", "COLUMNS": "80"})
    assert out.returncode == 0
    assert "Plain text please" in out.stdout
    assert "\x1b[" not in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80


def test_autostart_starts_exactly_one_daemon(caseyos_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CASEYOS_NO_AUTOSTART"}
    env["CASEYOS_NOW"] = "2026-11-25T15:00:00+00:00"
    (caseyos_home / "data").mkdir(parents=True)
    (caseyos_home / "data" / "active_workspace").write_text("main\n")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: run_cli("queue", "today", "--json", env=env), range(4)))
    try:
        for r in results:
            assert r.returncode == 0, r.stderr
            assert json.loads(r.stdout)["total"] == 0
        pid = int(paths.pid_file().read_text())
        log = paths.log_file().read_text()
        assert log.count("listening on") == 1, log
    finally:
        stop = run_cli("daemon", "stop", env=env)
    assert stop.returncode == 0 and "stopped" in stop.stdout
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("daemon still alive after stop")
    assert not paths.socket_path().exists()


def test_daemon_killed_hard_leaves_a_socket_the_next_start_recovers(
    daemon_env: dict[str, str], caseyos_home: Path
) -> None:
    (caseyos_home / "data").mkdir(parents=True)
    (caseyos_home / "data" / "active_workspace").write_text("main\n")
    d = DaemonProcess(daemon_env).start()
    d.call("operator.init", {"name": "K", "emails": ["k@k.example"]})
    d.call("queue.add", {"title": "survive kill -9"})
    d.stop(sig=signal.SIGKILL)
    assert paths.socket_path().exists(), "kill -9 leaves the socket behind"
    d.start()
    try:
        titles = [m["title"] for m in d.call("queue.today", {})["moves"]]
        assert titles == ["survive kill -9"]
    finally:
        d.stop()


def test_daemon_restart_and_logs(blank_daemon: DaemonProcess) -> None:
    first = blank_daemon.call("system.status", {})["pid"]
    blank_daemon.call("queue.add", {"title": "kept across restart"})
    env = {k: v for k, v in os.environ.items() if k != "CASEYOS_NO_AUTOSTART"}
    env["CASEYOS_NOW"] = "2026-11-25T15:00:00+00:00"
    out = run_cli("daemon", "restart", env=env)
    assert out.returncode == 0, out.stderr
    try:
        status = json.loads(run_cli("daemon", "status", "--json").stdout)
        assert status["running"] and status["pid"] != first
        today = json.loads(run_cli("queue", "today", "--json").stdout)
        assert [m["title"] for m in today["moves"]] == ["kept across restart"]
        logs = run_cli("daemon", "logs", "-n", "5")
        assert (
            logs.returncode == 0 and "listening on" in run_cli("daemon", "logs", "-n", "200").stdout
        )
    finally:
        run_cli("daemon", "stop", env=env)


def test_usage_errors_are_plain_words_without_a_box() -> None:
    for args, said in (
        (["deals", "list", "--min-amount", "abc"], "'--min-amount': not a number"),
        (["queue", "today", "--limit", "0"], "must be at least 1"),
        (["queue", "show", "seven"], "'ID': not a whole number"),
        (["contacts", "show"], "Missing argument 'REF'"),
    ):
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert said in done.stderr, done.stderr
        assert "Input should be" not in done.stderr and "╭" not in done.stderr
        assert done.stderr.startswith("Usage: caseyos ")
