"""Starting and stopping the daemon: pid lock, stale sockets, workspaces, scheduler, signals."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import gc
import logging
import logging.handlers
import os
import signal
import socket
import stat
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from daemon import __version__, paths
from daemon.clock import Clock
from daemon.state import DaemonState
from daemon.store import diskspace
from daemon.vocabulary import plural
from daemon.workspaces import OnOpen, Workspace, WorkspaceDamaged, WorkspaceManager

log = logging.getLogger("daemon")

TICK_SECONDS = 60  # CASEYOS_TICK_SECONDS overrides it, e.g. to measure idle cost quickly
GC_PAUSE_LOG_MS = 20


class StartupError(Exception):
    """The daemon cannot start; the message says why and what to do."""


def setup_logging(foreground: bool) -> None:
    """The log file in JSON lines (daemon/logfmt.py: `caseyos daemon logs` renders it), and
    text on stderr too when running in the foreground at a terminal."""
    from daemon.logfmt import JsonLines

    logfile = paths.log_file()
    paths.ensure_private_dir(logfile.parent)
    paths.touch_private(logfile)
    handler: logging.Handler = logging.handlers.RotatingFileHandler(
        logfile, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    if foreground and sys.stderr.isatty():
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    root.setLevel(os.environ.get("CASEYOS_LOG_LEVEL", "INFO").upper())
    # A crash below Python (a fault in a C extension) leaves no log record; its traceback,
    # every thread's, goes to crash.log beside the log instead.
    import faulthandler

    crash = logfile.with_name("crash.log")
    paths.touch_private(crash)
    faulthandler.enable(file=open(crash, "a", encoding="utf-8"), all_threads=True)  # noqa: SIM115
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Every start it lists its plugins and describes the database; what a migration did is
    # logged by the workspace that ran it ("migrated workspace main to 0006").
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Its debug log is every statement with every parameter: far too much, even for debugging.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # httpx logs every request's full URL at INFO (a path or a query may carry a token);
    # connectors.http logs requests itself, redacted.
    for name in ("httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(name).setLevel(logging.WARNING)


def take_pid_lock(pid_path: Path) -> IO[str]:
    """Hold an exclusive lock on the pid file for the daemon's lifetime."""
    fd = paths.open_private(pid_path, os.O_RDWR)
    handle = os.fdopen(fd, "r+")  # held open until exit
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        handle.seek(0)
        other = handle.read().strip() or "?"
        handle.close()
        raise StartupError(
            f"another daemon (pid {other}) is already running for {paths.socket_path()}"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def clear_stale_socket(sock_path: Path) -> None:
    """Unlink a leftover socket only when connecting to it is refused (nobody listens)."""
    try:
        st = sock_path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise StartupError(f"{sock_path} exists and is not a socket; move it away first")
    if st.st_uid != os.getuid():
        raise StartupError(f"{sock_path} belongs to uid {st.st_uid}, not to you")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2)
    try:
        probe.connect(str(sock_path))
    except ConnectionRefusedError:
        log.info("removing stale socket %s", sock_path)
        sock_path.unlink(missing_ok=True)
        return
    except FileNotFoundError:
        return
    finally:
        probe.close()
    raise StartupError(f"another daemon is answering on {sock_path}")


def tighten_existing_install() -> None:
    """An install from before CaseyOS set its modes is readable by every local user: take
    group and other access off our own directories and files, and say so once."""
    # The run dir may be a shared one named through CASEYOS_SOCKET: only our two files there.
    roots = [paths.data_dir(), paths.state_dir(), paths.pid_file(), paths.startup_lock()]
    home = paths.home_override()
    changed = paths.tighten(roots)
    if home is not None:
        changed = paths.tighten_one(home) + changed
    if not changed:
        return
    shown = ", ".join(str(p) for p in changed[:5])
    more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
    log.warning(
        "tightened permissions on %s other users could read (now 0700 or 0600): %s%s",
        plural(len(changed), "path"),
        shown,
        more,
    )


async def open_active_workspace(state: DaemonState) -> None:
    """Open the remembered workspace; a fresh install starts on the demo workspace.

    A demo that needs building is built by a job, which operations on it wait for.
    """
    from daemon.domain import demo

    manager = state.workspaces
    name = manager.remembered()
    if name is None:
        name = demo.DEMO if not manager.exists("main") else "main"
    try:
        await manager.use(name)
    except WorkspaceDamaged:
        # Start anyway: other workspaces work, and commands on this one say what to do.
        manager.mark_active(name)
        return
    if name == demo.DEMO:
        await demo.ensure_fresh(state)


def interrupted_jobs_marker(state: DaemonState) -> OnOpen:
    """What a workspace needs when this daemon first opens it: no job of this process runs
    there yet, so any job row still `running` was left by a daemon that died."""
    from daemon.domain import jobs
    from daemon.unit_of_work import unit_of_work

    async def mark(ws: Workspace) -> None:
        async with unit_of_work(ws, state.bus) as uow:
            stale = await jobs.mark_interrupted(uow.session, state.clock.now())
        if stale:
            was = "was" if stale == 1 else "were"
            log.info(
                "%s in %s %s interrupted by the last shutdown", plural(stale, "job"), ws.name, was
            )

    return mark


async def tick(state: DaemonState) -> None:
    """The periodic job: refresh the demo's dates, derive time-based signals, run agents."""
    from daemon.domain import agent_pass, demo

    if state.stop_requested.is_set():
        return
    task = asyncio.current_task()
    if task is not None:
        state.ticks.add(task)
        task.add_done_callback(state.ticks.discard)
    try:
        if state.workspaces.active_name == demo.DEMO:
            await demo.ensure_fresh(state)
        # A rebuild replaces the workspace; wait until it is whole, then pass over it.
        ws = state.workspaces.active()
        await state.jobs.until_built(ws)
        report = await agent_pass.tick(state, ws)
        # Part of the pass: a client that sees `last_tick` sees today's backup made too.
        await daily_backup(state, ws)
        state.last_tick = {"at": state.clock.now().isoformat(), **report}
    except agent_pass.Stopped:
        log.info("scheduled pass stopped for shutdown; the next start picks it up")
    except WorkspaceDamaged:
        pass  # said once, when it failed to open; commands on it say it again
    except Exception:
        log.exception("scheduled tick failed")


async def daily_backup(state: DaemonState, ws: Workspace) -> None:
    """Once a day, a backup of the active workspace (the demo is rebuilt daily instead)."""
    from daemon.domain import demo
    from daemon.store import backup

    today = datetime.now(UTC).date()
    if ws.name == demo.DEMO or state.backed_up.get(ws.name) == today:
        return
    try:
        made = await state.workspaces.back_up(ws.name, datetime.now(UTC))
    except (OSError, backup.BackupError) as exc:
        log.warning("daily backup of workspace %s failed: %s", ws.name, exc)
        return
    state.backed_up[ws.name] = today
    log.info("backed up workspace %s to %s", ws.name, made)


async def startup_housekeeping(state: DaemonState) -> None:
    from daemon.domain import agent_pass

    try:
        ws = state.workspaces.active()
    except WorkspaceDamaged:
        return
    if state.jobs.building(ws) is None:
        try:
            await agent_pass.housekeeping(state, ws)
        except Exception as exc:
            # A damaged page that opening did not read: the daemon still starts, and the
            # commands that meet the damage say so (and how to recover).
            if not diskspace.is_damaged(exc):
                raise
            log.error("workspace %s is damaged (met at start-up housekeeping): %s", ws.name, exc)


def _gc_pause_logger() -> Callable[[str, dict[str, int]], None]:
    """Log, at debug level, full garbage collections long enough to delay clients."""
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
            return
        pause = (time.perf_counter() - started[0]) * 1000
        if pause >= GC_PAUSE_LOG_MS:
            log.debug("full garbage collection: %.0f ms, %d collected", pause, info["collected"])

    return on_gc


async def serve(foreground: bool = True) -> int:
    from daemon.server import Server
    from daemon.store.diskspace import RESERVE_BYTES, Reserve

    sock_path = paths.socket_path()
    try:
        paths.ensure_private_dir(sock_path.parent)
    except paths.UnsafeDirectory as exc:
        raise StartupError(str(exc)) from None
    tighten_existing_install()
    pid_handle = take_pid_lock(paths.pid_file())
    clear_stale_socket(sock_path)

    from daemon.registry import load_operations

    load_operations()
    from daemon.credentials import CredentialBook

    clock = Clock.from_env()
    state = DaemonState(
        clock=clock,
        workspaces=WorkspaceManager(),
        version=__version__,
        started_at=datetime.now(UTC),
        # The secret store is opened at first use (a keyring may ask to be unlocked).
        credentials=CredentialBook(),
    )
    state.workspaces.on_open = interrupted_jobs_marker(state)
    state.reserve = Reserve(paths.state_dir())
    if not state.reserve.ensure():
        log.warning(
            "no room for the %d KB space reserve in %s", RESERVE_BYTES >> 10, paths.state_dir()
        )
    await open_active_workspace(state)
    # Wake-ups and expiry before the first answer, so no client sees yesterday's queue;
    # the agents' work on waiting signals comes after the socket listens.
    await startup_housekeeping(state)
    # Start-up objects (modules, mappings, schemas) live as long as the process; frozen, they
    # are not walked by every full garbage collection, each of which pauses the event loop.
    gc.freeze()
    gc.callbacks.append(_gc_pause_logger())
    # The loop hands every query to a database thread and back; a shorter GIL switch
    # interval keeps each hand-off from waiting out another thread's 5 ms slice.
    sys.setswitchinterval(0.001)

    server = Server(state)
    await server.start(str(sock_path))
    log.info("daemon %s listening on %s (pid %d)", __version__, sock_path, os.getpid())
    # The first pass runs after the socket listens: start-up never waits for agents.
    first_tick = asyncio.create_task(tick(state))

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from daemon import live

    scheduler = AsyncIOScheduler()
    # A laptop that slept through a tick should still run it on waking, once.
    scheduler.add_job(
        tick,
        "interval",
        seconds=float(os.environ.get("CASEYOS_TICK_SECONDS") or TICK_SECONDS),
        args=[state],
        id="tick",
        misfire_grace_time=3600,
        coalesce=True,
        max_instances=1,
    )
    # Live connectors: a cheap check each minute starts the syncs that are due (each
    # connector has its own interval); a check missed while asleep runs once on waking.
    scheduler.add_job(
        state.live.scheduled_pass,
        "interval",
        seconds=float(os.environ.get("CASEYOS_SYNC_CHECK_SECONDS") or live.CHECK_SECONDS),
        id="live-sync",
        misfire_grace_time=3600,
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, state.stop_requested.set)
    try:
        await state.stop_requested.wait()
    finally:
        log.info("shutting down")
        scheduler.shutdown(wait=False)
        await state.jobs.shutdown()
        # A pass stops between chunks once stop is requested; cancelling one inside a
        # database call could leave its connection unusable for the dispose below.
        if state.ticks:
            await asyncio.wait(set(state.ticks), timeout=30)
        del first_tick
        state.bus.close()
        await server.stop()
        await state.workspaces.close()
        with contextlib.suppress(FileNotFoundError):
            sock_path.unlink()
        with contextlib.suppress(FileNotFoundError):
            paths.pid_file().unlink()
        pid_handle.close()
        log.info("stopped")
    return 0


def main(foreground: bool = True) -> int:
    # Everything the daemon creates, SQLite's -wal and -shm included, is for our eyes only.
    os.umask(0o077)
    setup_logging(foreground)
    try:
        return asyncio.run(serve(foreground))
    except StartupError as exc:
        import shutil
        import textwrap

        log.error("%s", exc)
        width = max(40, shutil.get_terminal_size((80, 24)).columns)
        text = textwrap.fill(
            f"caseyos daemon: {exc}",
            width=width,
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        print(text, file=sys.stderr)
        return 1
