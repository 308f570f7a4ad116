"""Following a daemon job from the command line: progress while it runs, its result at the end.

The CLI subscribes to the daemon's events before it starts the job, so no progress is
missed, and never gives up on a job because a request timed out: the job runs in the
daemon whatever the client does. Ctrl-C stops the watching, not the job.
"""

from __future__ import annotations

import select
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

from caseyos_cli import output, style
from daemon import protocol

FINAL = frozenset({"succeeded", "failed", "cancelled", "interrupted"})
# How long to listen for events before asking the daemon directly (a missed event is harmless).
POLL_SECONDS = 5.0
# Without a terminal, a progress line at most this often.
PLAIN_EVERY = 2.0
# An import's notes are wrapped to this many columns.
NOTE_WIDTH = 80


class _Plain:
    """Progress as occasional lines on stderr, for logs and pipes."""

    def __init__(self, label: str):
        self.label = label
        self.shown = 0.0
        self.phase: str | None = None

    def update(self, job: dict[str, Any]) -> None:
        now = time.monotonic()
        if job["phase"] == self.phase and now - self.shown < PLAIN_EVERY:
            return
        self.phase, self.shown = job["phase"], now
        count = f"{job['done']:,}" + (f"/{job['total']:,}" if job.get("total") else "")
        shown = f" {count}" if job["done"] or job.get("total") else ""
        output.note(f"{self.label}: {job['phase'] or job['status']}{shown}")

    def close(self) -> None:
        pass


class _Bar:
    """A rich progress bar on stderr, for people at a terminal."""

    def __init__(self, label: str):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            # A live display needs the real stream (it redraws one line); styling follows the
            # same rule as everything else: none under NO_COLOR.
            console=Console(
                stderr=True,
                color_system="auto" if style.enabled(sys.stderr) else None,
                highlight=False,
            ),
            transient=True,
        )
        self.label = label
        self.task = self.progress.add_task(label, total=None)
        self.progress.start()

    def update(self, job: dict[str, Any]) -> None:
        phase = job["phase"] or job["status"]
        self.progress.update(
            self.task,
            description=f"{self.label}: {phase}",
            completed=job["done"],
            total=job["total"],
        )

    def close(self) -> None:
        self.progress.stop()


def _display(label: str) -> _Plain | _Bar:
    return _Bar(label) if sys.stderr.isatty() else _Plain(label)


def start_and_follow(
    op: str,
    params: dict[str, Any],
    *,
    label: str,
    wait: bool = True,
    job_of: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda r: r.get("job"),
    flags: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Call `op`, which may start a job; follow the job to its end when `wait`.

    Returns the operation's result and the job as it ended (None when no job was started,
    or when not waiting). `flags` is as for `output.call`.
    """
    from caseyos_cli.client import DaemonUnreachable, ProtocolMismatch, connect

    try:
        watcher = connect() if wait else None
    except DaemonUnreachable as exc:
        output.fail(str(exc), output.UNREACHABLE, exc.hint)
    except ProtocolMismatch as exc:
        output.fail(str(exc), output.PROTOCOL)
    try:
        if watcher is not None:
            watcher.subscribe()
        result = output.call(op, params, flags=flags)
        job = job_of(result)
        if job is None or watcher is None:
            return result, None
        return result, follow(watcher, job, label)
    finally:
        if watcher is not None:
            watcher.close()


def follow(watcher: Any, job: dict[str, Any], label: str) -> dict[str, Any]:
    """Show a job's progress from the event stream until it ends; returns it as it ended.

    Should the daemon stop meanwhile (SIGTERM, a crash, kill -9), the job is interrupted:
    the user hears that, what became of the work, and how to finish it.
    """
    display = _display(label)
    job_id = job["id"]
    try:
        while job["status"] not in FINAL:
            display.update(job)
            ready, _, _ = select.select([watcher.sock], [], [], POLL_SECONDS)
            if not ready:
                shown = _show(job_id)
                if shown is None:
                    return _daemon_stopped(display, job, label)
                job = shown
                continue
            try:
                frame = protocol.read_frame_blocking(watcher.sock)
            except (ConnectionError, OSError, protocol.ProtocolError):
                return _daemon_stopped(display, job, label)
            event = frame.get("event")
            if event and event["type"] == "job.updated" and event["data"]["id"] == job_id:
                job = {**job, **event["data"]}
    except KeyboardInterrupt:
        display.close()
        output.note(f"Stopped watching; job {job_id} goes on in the daemon.")
        output.note(f"  caseyos jobs show {job_id}     how it went")
        output.note(f"  caseyos jobs cancel {job_id}   to stop it")
        raise SystemExit(130) from None
    display.close()
    return _show(job_id) or _daemon_stopped(display, job, label)


def _show(job_id: str, *, autostart: bool = False) -> dict[str, Any] | None:
    """The job as the daemon has it now; None when no daemon answers."""
    from caseyos_cli.client import DaemonUnreachable, ProtocolMismatch, connect

    try:
        with connect(autostart=autostart) as client:
            return dict(client.call("jobs.show", {"id": job_id})["job"])
    except (DaemonUnreachable, ProtocolMismatch, ConnectionError, TimeoutError, OSError):
        return None
    except protocol.RemoteError as exc:
        output.fail(f"cannot read job {job_id}: {exc.message}", output.FAILURE)


def _daemon_stopped(display: _Plain | _Bar, job: dict[str, Any], label: str) -> dict[str, Any]:
    """The daemon went away under a running job: say so, and what became of the job (the
    job is returned only if it turns out to have succeeded).

    A daemon that stops marks its jobs interrupted (at once on SIGTERM, at its next start
    after a crash); what a job wrote is kept, and the same command run again finishes the
    work without writing anything twice. Where commands may start the daemon, one is
    started to read how the job ended.
    """
    from caseyos_cli.client import autostart_disabled

    display.close()
    job_id = job["id"]
    ended = None if autostart_disabled() else _show(job_id, autostart=True)
    if ended is not None and ended["status"] == "succeeded":
        # It finished before the daemon went: the command's work is done after all.
        return ended
    done = f"{job['done']:,}" + (f" of {job['total']:,}" if job.get("total") else "")
    said = f"the daemon stopped while job {job_id} ({label}) ran, at {done}"
    finish = (
        "what it wrote is kept; run the same command again to finish it "
        "(nothing already written is written twice)"
    )
    if ended is None:
        output.fail(
            f"{said}: the job was interrupted",
            output.UNREACHABLE,
            f"{finish}. `caseyos daemon status` tells whether the daemon runs; "
            f"`caseyos jobs show {job_id}` how the job ended",
        )
    # An interrupted job's own error says what this message says already.
    error = f" ({ended['error']})" if ended.get("error") and ended["status"] == "failed" else ""
    output.fail(
        f"{said}: the job is {ended['status']}{error}; the daemon runs again now",
        output.FAILURE,
        finish,
    )


def check_ended_well(job: dict[str, Any], what: str) -> None:
    """Exit with the job's error unless it succeeded."""
    if job["status"] == "succeeded":
        return
    if job["status"] == "interrupted":
        output.fail(
            f"{what} was interrupted: {job['error']}",
            output.FAILURE,
            "what it wrote is kept; run the same command again to finish the work",
        )
    output.fail(f"{what} {job['status']}: {job['error']}", output.FAILURE)


def note_lines(result: dict[str, Any], indent: str = "") -> list[str]:
    """An import's notes (what it kept of the file, where not everything), each wrapped to
    NOTE_WIDTH columns with its continuation lines indented."""
    lines: list[str] = []
    for note in result.get("notes") or []:
        lines += textwrap.wrap(
            f"note: {note}",
            width=NOTE_WIDTH,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
        )
    return lines
