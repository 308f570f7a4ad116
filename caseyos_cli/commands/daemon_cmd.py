"""caseyos daemon ...: start, stop and look at the background process."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from typing import Any

import typer

from caseyos_cli import cli, output
from daemon import paths

app = cli.App(help="The CaseyOS daemon (it starts by itself when needed).", panel=cli.DAEMON)


def _status(autostart: bool = False) -> dict[str, Any] | None:
    from caseyos_cli.client import DaemonUnreachable, connect

    try:
        with connect(autostart=autostart) as client:
            result: dict[str, Any] = client.call("system.status", {})
            return result
    except DaemonUnreachable:
        return None


def _uptime(s: dict[str, Any]) -> str:
    from datetime import UTC, datetime

    started = datetime.fromisoformat(s["started_at"])
    secs = max(0, int((datetime.now(UTC) - started).total_seconds()))
    if secs < 120:
        return f"{secs}s"
    if secs < 7200:
        return f"{secs // 60}m"
    return f"{secs // 3600}h"


def short_status() -> None:
    """What `caseyos` alone prints."""
    from caseyos_cli import timefmt

    s = _status()
    if s is None:
        print(f"daemon:    not running (socket {paths.socket_path()})")
        print("           any command starts it; or `caseyos daemon start`")
        return
    tz, now = s["timezone"], s["now"]
    print(f"daemon:    running, pid {s['pid']}, up {_uptime(s)}, version {s['version']}")
    demo = " (demo data; `caseyos init` sets up your own)" if s["workspace"] == "demo" else ""
    print(f"workspace: {s['workspace']}{demo}")
    print(f"today:     {s['due_today']} moves due (`caseyos queue today`)")
    last = s["last_import_at"]
    print(
        f"last sync: {'never' if not last else timefmt.rel(last, now, tz)}"
        f"; last signal {timefmt.rel(s['last_signal_at'], now, tz)}"
    )
    for job in s.get("jobs_running", []):
        done = f"{job['done']:,}" + (f"/{job['total']:,}" if job["total"] else "")
        print(f"job:       {job['id']} {job['title']}: {job['phase']} {done}")


@app.command(examples=["caseyos daemon status", "caseyos daemon status --json"], op="system.status")
def status(
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON for scripts (stable field names)."
    ),
) -> None:
    """Whether the daemon runs, and how it is doing."""
    s = _status()
    if s is None:
        if as_json:
            output.print_json({"running": False, "socket": str(paths.socket_path())})
        output.fail(
            f"not running (socket {paths.socket_path()})",
            output.UNREACHABLE,
            "start it with `caseyos daemon start`",
        )
    if as_json:
        output.print_json({"running": True, **s})
        return
    print(
        f"running   pid {s['pid']}, up {_uptime(s)}, version {s['version']}, "
        f"protocol {s['protocol']}"
    )
    print(f"socket    {s['socket']}")
    print(f"workspace {s['workspace']} ({s['database']})")
    print(f"clock     {s['now']}{' (pinned by CASEYOS_NOW)' if s['clock_pinned'] else ''}")
    print(f"moves     {s['due_today']} due today, {s['pending']} pending")
    tick = s["last_tick"]
    if tick:
        print(
            f"last run  {tick.get('at', '-')}: {tick.get('signals', 0)} signals, "
            f"{tick.get('proposed', 0)} proposed"
        )
    print(f"served    {s['requests_served']} requests")


@app.command(
    examples=[
        "caseyos daemon start",
        "# A daemon of its own for a separate data directory",
        "CASEYOS_HOME=~/caseyos-test caseyos daemon start",
    ]
)
def start() -> None:
    """Start the daemon in the background (no-op when it already runs)."""
    from caseyos_cli.client import DaemonUnreachable, connect

    before = _status()
    if before is not None:
        print(f"already running (pid {before['pid']}) on {before['socket']}")
        return
    try:
        with connect(autostart=True) as client:
            pid = client.server.get("pid")
    except DaemonUnreachable as exc:
        output.fail(str(exc), output.UNREACHABLE, f"see {paths.log_file()}")
    print(f"started (pid {pid}) on {paths.socket_path()}")


def _pid_from_file() -> int | None:
    try:
        return int(paths.pid_file().read_text().strip())
    except (OSError, ValueError):
        return None


def _stop(quiet: bool = False) -> bool:
    from caseyos_cli.client import DaemonUnreachable, connect

    try:
        with connect(autostart=False) as client:
            pid = client.server.get("pid")
            client.call("system.stop", {})
    except DaemonUnreachable:
        if not quiet:
            print("not running")
        return False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _status() is None and not paths.pid_file().exists():
            if not quiet:
                print(f"stopped (pid {pid})")
            return True
        time.sleep(0.1)
    stuck = _pid_from_file()
    if stuck:
        os.kill(stuck, signal.SIGTERM)
    output.fail(f"the daemon (pid {pid}) did not stop within 20s; sent SIGTERM")


@app.command(examples=["caseyos daemon stop"], op="system.stop")
def stop() -> None:
    """Stop the daemon after its running operations finish."""
    _stop()


@app.command(examples=["caseyos daemon restart"])
def restart() -> None:
    """Stop the daemon if it runs, then start it."""
    _stop(quiet=True)
    start()


@app.command(
    examples=["caseyos daemon logs", "caseyos daemon logs -n 200", "caseyos daemon logs -f"]
)
def logs(
    lines: int = typer.Option(50, "--lines", "-n", min=1, metavar="N", help="How many lines."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
) -> None:
    """The daemon's log."""
    log = paths.log_file()
    if not log.exists():
        output.fail(f"no log yet at {log}", hint="the daemon writes it when it first starts")
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in deque(f, maxlen=lines):
            sys.stdout.write(line)
        sys.stdout.flush()
        if not follow:
            return
        try:
            while True:
                line = f.readline()
                if line:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                else:
                    time.sleep(0.3)
        except KeyboardInterrupt:
            return


@app.command(
    examples=[
        "caseyos daemon run",
        "# With a fixed clock, as the tests and benchmarks do",
        "CASEYOS_NOW=2026-11-25T15:00:00Z caseyos daemon run",
    ]
)
def run() -> None:
    """Run the daemon in the foreground (for service managers and debugging)."""
    from daemon.lifecycle import main

    raise typer.Exit(main(foreground=True))
