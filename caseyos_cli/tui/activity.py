"""Activity: the signal stream, newest first, filterable by kind, live.

A page at a time (the next loads as the cursor nears the end). When the daemon says the
queue changed (a pass ran over new signals), the newest page is fetched again and what is
new goes on top, the cursor staying on its signal; a new workspace reloads the stream.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Select, Static
from textual.widgets.data_table import ColumnKey

from caseyos_cli import timefmt
from caseyos_cli.records import signal_about
from caseyos_cli.tui.link import LinkDown
from caseyos_cli.tui.screen import DashboardScreen, loader

PAGE = 100
AHEAD = 10
SINCE = "30d"
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("when", "When", 16),
    ("kind", "Kind", 20),
    ("source", "Source", 6),
    ("about", "About", None),
)


class Ordered(Text):
    """The "when" cell, carrying the signal's place in the stream (newest first)."""

    order: tuple[str, int] = ("", 0)


def cells(signal: dict[str, Any], now: str, tz: str) -> tuple[Any, ...]:
    when = Ordered(timefmt.when(signal["occurred_at"], now, tz))
    when.order = (signal["occurred_at"], signal["id"])
    return (when, signal["kind"], signal["source"], signal_about(signal))


class ActivityScreen(DashboardScreen):
    """What happened lately, as signals."""

    AUTO_FOCUS = "#signals"
    BINDINGS = [
        Binding("k", "next_kind", "Kind"),
        Binding("K", "all_kinds", "All kinds", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.signals: dict[str, dict[str, Any]] = {}
        self.kind: str | None = None
        self.kinds: list[str] = []
        self.total = 0
        self.next_cursor: str | None = None
        self.now = ""
        self.tz = "UTC"
        self.loaded = False
        self._paging = False

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        yield Select[str]([], prompt="every kind", id="kind", allow_blank=True)
        table: DataTable[Any] = DataTable(id="signals", cursor_type="row")
        yield table
        yield Static("", id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#signals", DataTable)
        for key, header, width in COLUMNS:
            table.add_column(header, key=key, width=width)
        table.focus()
        self._fit()
        self.reload()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        table = self.query_one("#signals", DataTable)
        fixed = sum(w or 0 for _, _, w in COLUMNS) + 2 * len(COLUMNS) + 2
        column = table.columns.get(ColumnKey("about"))
        if column is not None:
            column.width, column.auto_width = max(12, self.size.width - fixed), False
        table.refresh()

    # -- loading -----------------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        return {"limit": PAGE, "since": SINCE, "kind": self.kind}

    @work(exclusive=True, group="activity-load")
    @loader
    async def reload(self) -> None:
        """The kinds there are, and the newest page of the stream."""
        self.loaded = False
        page = await self._newest_page()
        if page is None:
            return
        table = self.query_one("#signals", DataTable)
        was = self._cursor_key()
        self.signals.clear()
        table.clear()
        self.next_cursor = page["next_cursor"]
        self._take(page)
        if was is not None and was in table.rows:  # the cursor stays on its signal
            table.move_cursor(row=table.get_row_index(was), animate=False)
        elif table.row_count:
            table.move_cursor(row=0, animate=False)
        self.loaded = True

    def _kinds(self, stats: dict[str, Any]) -> None:
        by_kind: dict[str, int] = stats.get("by_kind") or {}
        kinds = sorted(by_kind)
        if kinds == self.kinds:
            return
        self.kinds = kinds
        select: Select[str] = self.query_one("#kind", Select)
        with self.prevent(Select.Changed):
            select.set_options((f"{k} ({by_kind[k]})", k) for k in kinds)
            if self.kind in kinds:
                select.value = self.kind
        if self.kind not in kinds:
            self.kind = None

    def _take(self, page: dict[str, Any]) -> int:
        """Add the page's signals not shown yet, in stream order; how many were new."""
        self.now, self.tz, self.total = page["now"], page["timezone"], page["total"]
        table = self.query_one("#signals", DataTable)
        was = self._cursor_key()
        new = 0
        for signal in page["signals"]:
            key = str(signal["id"])
            if key in self.signals:
                continue
            self.signals[key] = signal
            table.add_row(*cells(signal, self.now, self.tz), key=key)
            new += 1
        if new:
            table.sort("when", key=lambda cell: cell.order, reverse=True)
            if was is not None:
                table.move_cursor(row=table.get_row_index(was), animate=False, scroll=False)
        self._update_topbar()
        return new

    def _cursor_key(self) -> str | None:
        table = self.query_one("#signals", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    @work(exclusive=True, group="activity-more")
    @loader
    async def more(self) -> None:
        if self.next_cursor is None or self._paging:
            return
        self._paging = True
        cursor = self.next_cursor
        try:
            page = await self.dash.link.call("signals.list", {**self._params(), "cursor": cursor})
        except Exception:
            return
        finally:
            self._paging = False
        if cursor == self.next_cursor:
            self.next_cursor = page["next_cursor"]
            self._take(page)

    @work(exclusive=True, group="activity-newest")
    @loader
    async def newest(self) -> None:
        """The newest page again: what is new goes on top; the paging cursor stays."""
        page = await self._newest_page()
        if page is not None:
            self._take(page)

    async def _newest_page(self) -> dict[str, Any] | None:
        """The kinds there are (into the kind list) and the stream's newest page; None
        while the daemon is away (the link says so, and reloads when it is back)."""
        try:
            stats = await self.dash.link.call("signals.stats", {"since": SINCE})
            page: dict[str, Any] = await self.dash.link.call("signals.list", self._params())
        except LinkDown:
            return None
        self._kinds(stats)
        return page

    def _update_topbar(self) -> None:
        table = self.query_one("#signals", DataTable)
        what = self.kind or "signals"
        self.query_one("#topbar", Static).update(
            f"[b]Activity[/b] · {self.total:,} {what} in the last 30 days · now "
            f"{timefmt.exact(self.now, self.now, self.tz)}"
        )
        line = f"{table.row_count:,} of {self.total:,} shown"
        if self.next_cursor is not None:
            line += " · more as you scroll"
        line += " · k next kind, K every kind"
        if self.dash.link_note:
            line += f" · {self.dash.link_note}"
        self.query_one("#status-line", Static).update(line)

    @on(DataTable.RowHighlighted, "#signals")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= event.data_table.row_count - AHEAD and self.next_cursor:
            self.more()

    # -- live --------------------------------------------------------------------------------

    async def live(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "workspace.changed":
            self.reload()
        elif kind in ("queue.changed", "job.updated") and (
            kind == "queue.changed" or (event.get("data") or {}).get("status") != "running"
        ):
            self.newest()

    def link_changed(self) -> None:
        self._update_topbar()

    # -- the kind filter ---------------------------------------------------------------------

    def _set_kind(self, kind: str | None) -> None:
        select: Select[str] = self.query_one("#kind", Select)
        if kind is None:
            select.clear()
        else:
            select.value = kind

    def action_next_kind(self) -> None:
        if not self.kinds:
            return
        at = self.kinds.index(self.kind) + 1 if self.kind in self.kinds else 0
        self._set_kind(self.kinds[at] if at < len(self.kinds) else None)

    def action_all_kinds(self) -> None:
        self._set_kind(None)

    @on(Select.Changed, "#kind")
    def _kind_chosen(self, event: Select.Changed) -> None:
        value = event.value
        kind = value if isinstance(value, str) else None
        if kind != self.kind:
            self.kind = kind
            self.reload()

    def action_reload(self) -> None:
        self.reload()
