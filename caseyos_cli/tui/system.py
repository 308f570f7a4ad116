"""System: the daemon, its jobs (running ones with live progress bars), the agents and the
connectors.

Everything comes from operations (system.status, jobs.list, agents.list, connectors.list)
and is kept current by events: a `job.updated` moves its job's bar and row in place (an
import started from the CLI shows up here and moves), a job's end refreshes what it
changed, and a pass (`queue.changed`) refreshes the agents. Times read relative to the
daemon's `now` (which a pinned clock fixes), never to this machine's.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static

from caseyos_cli import timefmt
from caseyos_cli.tui.link import LinkDown
from caseyos_cli.tui.screen import DashboardScreen, loader

RUNNING = "running"
RECENT_JOBS = 12
# How often the uptime on screen moves on (it counts from the last system.status).
TICK = 5.0

# Columns that change in place get room to grow; long ones are capped.
MINIMUM = {"progress": 15, "status": 9}
WIDEST = {"status": 40, "error": 50}

JOB_COLUMNS = (("title", "Job"), ("status", "Status"), ("progress", "Done"), ("when", "Started"))
AGENT_COLUMNS = (
    ("name", "Agent"),
    ("on", "On"),
    ("last", "Last run"),
    ("proposed", "Proposed 30d"),
    ("taken", "Taken"),
)
CONNECTOR_COLUMNS = (
    ("name", "Connector"),
    ("signed", "Signed in"),
    ("state", "State"),
    ("last", "Last sync"),
    ("error", "Error"),
)


def fill(table: DataTable[Any], columns: tuple[tuple[str, str], ...], rows: list[Any]) -> None:
    """Put `rows` (key, cells) in `table`, with the columns made as wide as what they hold.
    Widths are set up front: a header drawn before its column grew with the rows would
    otherwise keep its old width (the table caches the header line)."""
    table.clear(columns=True)
    for n, (key, header) in enumerate(columns):
        cap = WIDEST.get(key, 40)
        width = max([len(header), MINIMUM.get(key, 0)] + [len(str(r[1][n])) for r in rows])
        table.add_column(header, key=key, width=min(width, cap))
    for key, cells in rows:
        table.add_row(*cells, key=key)


def progress_text(job: dict[str, Any]) -> str:
    done, total = int(job.get("done") or 0), job.get("total")
    return f"{done:,}/{total:,}" if total else f"{done:,}"


class JobBar(Horizontal):
    """One running job: its title and phase, and a bar that moves with its progress. Its
    parts exist from the start, so an event may move the bar before it is on screen."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(id=f"job-{job['id']}", classes="job-bar")
        self.job = job
        self.label = Label(self._label(), classes="job-title")
        self.bar = ProgressBar(total=job.get("total"), show_eta=False)
        self.bar.progress = job.get("done") or 0

    def compose(self) -> ComposeResult:
        yield self.label
        yield self.bar

    def _label(self) -> str:
        phase = self.job.get("phase")
        return escape(f"{self.job['title']}" + (f" ({phase})" if phase else ""))

    def show(self, job: dict[str, Any]) -> None:
        self.job = job
        self.label.update(self._label())
        self.bar.update(total=job.get("total"), progress=job.get("done") or 0)


class SystemScreen(DashboardScreen):
    """The daemon, jobs, agents and connectors."""

    BINDINGS = [Binding("r", "reload", "Reload")]

    def __init__(self) -> None:
        super().__init__()
        self.status: dict[str, Any] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.agents: list[dict[str, Any]] = []
        self.connectors: list[dict[str, Any]] = []
        self.loaded = False
        self.status_at = time.monotonic()
        # Listing the jobs and applying a job's event take turns (both mount bars).
        self.jobs_lock = asyncio.Lock()

    @property
    def now(self) -> str:
        return str(self.status.get("now") or "")

    @property
    def tz(self) -> str:
        return str(self.status.get("timezone") or "UTC")

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        with VerticalScroll(id="system"):
            yield Static("", id="daemon-facts")
            yield Label("Running jobs", id="running-title", classes="section")
            yield Vertical(id="running")
            yield Label("Recent jobs", classes="section")
            yield DataTable(id="jobs", cursor_type="row", show_cursor=False)
            yield Label("Agents", classes="section")
            yield DataTable(id="agents", cursor_type="row", show_cursor=False)
            yield Label("Connectors", classes="section")
            yield DataTable(id="connectors", cursor_type="row", show_cursor=False)
        yield Static("", id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#system", VerticalScroll).focus()
        self.set_interval(TICK, self._show_daemon)
        self.reload()

    # -- loading -----------------------------------------------------------------------------

    @work(exclusive=True, group="system-load")
    @loader
    async def reload(self) -> None:
        try:
            await self._load_status()
            await self._load_jobs()
            await self._load_agents()
            await self._load_connectors()
        except LinkDown:
            return  # the status line says so; the link reloads every screen when it is back
        self.loaded = True

    async def _load_status(self) -> None:
        self.status = await self.dash.link.call("system.status", {})
        self.status_at = time.monotonic()
        self._show_daemon()

    async def _load_jobs(self) -> None:
        async with self.jobs_lock:
            await self._list_jobs()

    async def _list_jobs(self) -> None:
        listed = await self.dash.link.call("jobs.list", {"limit": RECENT_JOBS})
        self.jobs = {job["id"]: job for job in listed["jobs"]}
        rows = [(job["id"], self._job_cells(job)) for job in self.jobs.values()]
        fill(self.query_one("#jobs", DataTable), JOB_COLUMNS, rows)
        running = self.query_one("#running", Vertical)
        await running.remove_children()
        for job in self.jobs.values():
            if job["status"] == RUNNING:
                await running.mount(JobBar(job))
        self._show_running_note()

    async def _load_agents(self) -> None:
        listed = await self.dash.link.call("agents.list", {})
        self.agents = list(listed["agents"])
        rows = []
        for agent in self.agents:
            taken = f"{agent['accepted']}/{agent['decided']}" if agent["decided"] else "-"
            cells = (
                agent["name"],
                "on" if agent["enabled"] else "off",
                timefmt.when(agent["last_run_at"], self.now, self.tz),
                f"{agent['proposed']:,}",
                taken,
            )
            rows.append((agent["name"], cells))
        fill(self.query_one("#agents", DataTable), AGENT_COLUMNS, rows)

    async def _load_connectors(self) -> None:
        listed = await self.dash.link.call("connectors.list", {})
        self.connectors = list(listed["connectors"])
        rows = [
            (
                conn["name"],
                (
                    conn["name"],
                    "yes" if conn["connected"] else "no",
                    conn["state"],
                    timefmt.when(conn["last_sync_at"], self.now, self.tz),
                    conn["error"] or "",
                ),
            )
            for conn in self.connectors
        ]
        fill(self.query_one("#connectors", DataTable), CONNECTOR_COLUMNS, rows)

    def _job_cells(self, job: dict[str, Any]) -> tuple[str, ...]:
        status = job["status"]
        if job.get("error") and status != RUNNING:
            status = f"{status}: {job['error']}"
        return (
            job["title"],
            status,
            progress_text(job),
            timefmt.when(job.get("created_at"), self.now, self.tz),
        )

    def _show_daemon(self) -> None:
        status, hello = self.status, self.dash.link.hello
        if not status:
            return
        # The daemon's own words; the link's hello says the same of the daemon it reached.
        version = status.get("version") or (hello.version if hello else "?")
        pid = status.get("pid") or (hello.pid if hello else "?")
        up = float(status.get("uptime_seconds") or 0) + time.monotonic() - self.status_at
        clock = f"{timefmt.exact(self.now, self.now, self.tz)} {self.tz}"
        if status.get("clock_pinned"):
            clock += " (clock pinned)"
        lines = [
            f"[b]Daemon[/b] {escape(str(version))} · pid {pid} · up {timefmt.duration(up)}",
            f"workspace [b]{escape(str(status.get('workspace')))}[/b] · now {clock}",
            f"{status.get('due_today', 0):,} due today · {status.get('pending', 0):,} pending · "
            f"last import {timefmt.when(status.get('last_import_at'), self.now, self.tz)}",
        ]
        self.query_one("#daemon-facts", Static).update("\n".join(lines))
        self._update_status_line()

    def _show_running_note(self) -> None:
        running = self.query_one("#running", Vertical)
        running.set_class(not running.children, "empty")
        title = "Running jobs" if running.children else "Running jobs: none"
        label = self.query_one("#running-title", Label)
        label.update(title)
        label.set_class(not running.children, "none")
        self._update_status_line()

    def _update_status_line(self) -> None:
        if not self.is_mounted:
            return
        bars = len(self.query(JobBar))
        line = f"{bars} running · {len(self.jobs)} recent jobs"
        if self.dash.link_note:
            line = f"[b]{escape(self.dash.link_note)}[/b] · {line}"
        self.query_one("#status-line", Static).update(line)
        self.query_one("#topbar", Static).update(
            "[b]System[/b]  ·  the daemon, jobs, agents and connectors"
        )

    # -- live --------------------------------------------------------------------------------

    async def live(self, event: dict[str, Any]) -> None:
        kind, data = event.get("type"), event.get("data") or {}
        if kind == "job.updated":
            await self._job_updated(data)
        elif kind == "queue.changed":
            await self._load_agents()
        elif kind == "workspace.changed":
            self.reload()

    async def _job_updated(self, data: dict[str, Any]) -> None:
        async with self.jobs_lock:
            ended = await self._apply_job(data)
        if ended:
            # What the job changed: the counts, the last import, the agents' runs.
            await self._load_status()
            await self._load_agents()

    async def _apply_job(self, data: dict[str, Any]) -> bool:
        """Move the job's row and bar; whether it just ended."""
        job_id = str(data.get("id"))
        known = self.jobs.get(job_id)
        if known is None:
            # A job this screen has not listed yet: list again (its start time comes too).
            await self._list_jobs()
            return False
        job = {**known, **data}
        table = self.query_one("#jobs", DataTable)
        for (col, _), value in zip(JOB_COLUMNS, self._job_cells(job), strict=True):
            table.update_cell(job_id, col, value)
        bars = self.query(f"#job-{job_id}").results(JobBar)
        bar = next(bars, None)
        if job["status"] == RUNNING:
            if bar is None:
                await self.query_one("#running", Vertical).mount(JobBar(job))
            else:
                bar.show(job)
        elif bar is not None:
            await bar.remove()
        self.jobs[job_id] = job  # last: what the screen holds says what it shows
        self._show_running_note()
        return job["status"] != RUNNING

    def link_changed(self) -> None:
        self._update_status_line()

    def action_reload(self) -> None:
        self.reload()
