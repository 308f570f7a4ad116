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
    """The daemon's status; None when none runs. A busy daemon runs: that is an error here,
    never "not running" (which would invite starting a second one)."""
    from caseyos_cli.client import DaemonBusy, DaemonUnreachable, connect
    from daemon.protocol import RemoteError

    try:
        with connect(autostart=autostart) as client:
            result: dict[str, Any] = client.call("system.status", {})
            return result
    except DaemonBusy as exc:
        output.fail(str(exc), output.UNREACHABLE, exc.hint)
    except DaemonUnreachable:
        return None
    except RemoteError as exc:
        # The daemon runs but cannot report on its workspace (a damaged database, say).
        output.fail(exc.message, output.EXIT_FOR_CODE.get(exc.code, output.FAILURE))


def _uptime(s: dict[str, Any]) -> str:
    """Elapsed time since the daemon started; never the pinned clock (CASEYOS_NOW)."""
    from datetime import UTC, datetime

    from caseyos_cli import timefmt

    if "uptime_seconds" in s:
        return timefmt.duration(s["uptime_seconds"])
    # An older daemon only says when it started.
    started = timefmt.parse(s.get("started_at"))
    return timefmt.duration((datetime.now(UTC) - started).total_seconds()) if started else "?"


def short_status() -> None:
    """What `caseyos` alone prints."""
    from caseyos_cli import timefmt
    from caseyos_cli.client import autostart_disabled

    s = _status()
    if s is None:
        print(output.wrap(f"daemon:    not running (socket {paths.socket_path()})", " " * 11))
        if autostart_disabled():
            print("           CASEYOS_NO_AUTOSTART is set, so commands will not start it;")
            print("           start it with `caseyos daemon start`")
        else:
            print("           the next command starts it; or `caseyos daemon start`")
        return
    tz, now = s["timezone"], s["now"]
    print(f"daemon:    running, pid {s['pid']}, up {_uptime(s)}, version {s['version']}")
    print(f"workspace: {s['workspace']}")
    if s["workspace"] == "demo":
        print("           (demo data; `caseyos init` sets up your own)")
    due = output.plural(s["due_today"], "move")
    print(f"today:     {due} due (`caseyos queue today`)")
    # The newest of the last import and the last live sync (an older daemon has no syncs).
    last = max(filter(None, [s["last_import_at"], s.get("last_sync_at")]), default=None)
    print(
        f"last sync: {'never' if not last else timefmt.when(last, now, tz)}"
        f"; last signal {timefmt.when(s['last_signal_at'], now, tz)}"
    )
    for c in s.get("connector_trouble", []):
        line = f"{c['name']}: {c['state']}" + (f" ({c['error']})" if c["error"] else "")
        print(output.wrap(line, " " * 11, first="trouble:   "))
    for job in s.get("jobs_running", []):
        done = f"{job['done']:,}" + (f"/{job['total']:,}" if job["total"] else "")
        text = f"{job['id']} {job['title']}: {job['phase']} {done}"
        print(output.wrap(f"job:       {text}", " " * 11))


@app.command(examples=["caseyos daemon status", "caseyos daemon status --json"], op="system.status")
def status(
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON for scripts (stable field names)."
    ),
) -> None:
    """Whether the daemon runs, and how it is doing."""
    from caseyos_cli import timefmt

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
    tz, now = s["timezone"], s["now"]

    def line(label: str, text: str) -> None:
        print(output.wrap(f"{label:<10}{text}", " " * 10))

    line(
        "running",
        f"pid {s['pid']}, up {_uptime(s)}, version {s['version']}, protocol {s['protocol']}",
    )
    line("socket", s["socket"])
    line("workspace", s["workspace"])
    line("database", s["database"])
    pinned = ", pinned by CASEYOS_NOW" if s["clock_pinned"] else ""
    line("clock", f"{timefmt.exact(now, now, tz)} ({tz}{pinned})")
    line(
        "moves",
        f"{output.plural(s['due_today'], 'move')} due today, {s['pending']:,} pending",
    )
    tick = s["last_tick"]
    if tick:
        line(
            "last run",
            f"{timefmt.when(tick.get('at'), now, tz)}: "
            f"{output.plural(tick.get('signals', 0), 'signal')}, "
            f"{tick.get('proposed', 0):,} proposed",
        )
    line("served", output.plural(s["requests_served"], "request"))


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
        with connect(autostart=True, asked=True) as client:
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
    from caseyos_cli.client import DaemonBusy, DaemonUnreachable, connect

    try:
        with connect(autostart=False) as client:
            pid = client.server.get("pid")
            client.call("system.stop", {})
    except DaemonBusy as exc:
        output.fail(str(exc), output.UNREACHABLE, exc.hint)
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


LEVEL_ROLES = {"DEBUG": "muted", "WARNING": "warning", "ERROR": "error", "CRITICAL": "error"}


def render_log_record(record: dict[str, Any], now: Any, tz: Any) -> str:
    """A log record for people: local time, level, logger and message, wrapped to the
    width; a traceback's lines indented below it."""
    from caseyos_cli import style, timefmt

    first, *rest = (record["message"] or "").split("\n")
    if record["time"] is None:  # a line the process wrote itself, e.g. a crash
        return output.wrap(record["message"] or "", indent="    ")
    level = record["level"] or ""
    stamp = timefmt.exact(record["time"], now, tz, seconds=True)
    head = f"{stamp} {style.paint(f'{level:<7}', LEVEL_ROLES.get(level, ''))} "
    lines = [output.wrap(f"{head}{record['logger']}: {first}", indent="    ")]
    # A traceback keeps its own indentation, under the record's.
    lines += [output.wrap(line.rstrip(), indent="      ", first="    ") for line in rest]
    return "\n".join(lines)


def _log_printer(as_json: bool) -> Any:
    """A function that prints one line of the log file, as JSON or for people."""
    import json
    from datetime import UTC, datetime

    from daemon.logfmt import parse

    if as_json:
        return lambda line: print(json.dumps(parse(line), ensure_ascii=False))
    # Times in the operator's zone when a daemon is there to say which; this machine's
    # otherwise (the log is read most when the daemon is not running).
    status = _status()
    zone = status["timezone"] if status else datetime.now().astimezone().tzinfo
    return lambda line: print(render_log_record(parse(line), datetime.now(UTC), zone))


def _follow(f: Any, path: Any, show: Any, pending: str = "") -> None:
    """Print lines as they are written, across the log's rotation; Ctrl-C ends it.

    `pending` is the start of a line that was still being written.
    """
    inode = os.fstat(f.fileno()).st_ino
    try:
        while True:
            chunk = f.readline()
            if chunk:
                pending += chunk
                if pending.endswith("\n"):
                    show(pending)
                    sys.stdout.flush()
                    pending = ""
                continue
            try:
                st = path.stat()
            except FileNotFoundError:
                st = None
            if st is not None and (st.st_ino != inode or st.st_size < f.tell()):
                # Rotated (or cut back): the rest of the old file was read above.
                f.close()
                f = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
                inode = os.fstat(f.fileno()).st_ino
                continue
            time.sleep(0.3)
    except KeyboardInterrupt:
        return
    finally:
        f.close()


@app.command(
    examples=["caseyos daemon logs", "caseyos daemon logs -n 200", "caseyos daemon logs -f"]
)
def logs(
    lines: int = typer.Option(50, "--lines", "-n", min=1, metavar="N", help="How many lines."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per line: time, level, logger, message."
    ),
) -> None:
    """The daemon's log."""
    log = paths.log_file()
    if not log.exists():
        output.fail(f"no log yet at {log}", hint="the daemon writes it when it first starts")
    show = _log_printer(as_json)
    f = open(log, encoding="utf-8", errors="replace")  # noqa: SIM115 (followed below)
    tail = deque(f, maxlen=lines)
    # A line still being written is left for the follower to finish.
    partial = tail.pop() if follow and tail and not tail[-1].endswith("\n") else ""
    for line in tail:
        show(line)
    sys.stdout.flush()
    if not follow:
        f.close()
        return
    _follow(f, log, show, partial)


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
