"""Records: contacts, companies, deals, meetings and threads, searchable, a page at a time.

One table shows one kind of record (c o d m t switch, or click a tab); `/` searches it
through the daemon (the `*.list` operations' `query`), and the next page loads when the
cursor nears the end of the rows loaded, so a large workspace is never thousands of rows
at once. Enter opens the record's detail, with its linked moves and signals.

Deals read by pipeline stage, in the pipeline's order: each stage a heading row with its
count and total amount, its deals under it (soonest close first), one stage after another
as the pages load. At 80x24 that is the whole demo pipeline on one screen, the way a seller
reads a board top to bottom; a stage selector would show one stage at a time and hide the
totals of the others.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from itertools import chain
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static, Tab, Tabs
from textual.widgets.data_table import ColumnKey

from caseyos_cli import timefmt
from caseyos_cli.records import money
from caseyos_cli.tui import deal_stages
from caseyos_cli.tui.link import LinkDown, said
from caseyos_cli.tui.recordkinds import BY_KEY, KINDS, Kind
from caseyos_cli.tui.screen import DashboardScreen, loader

PAGE = 50
# Load the next page when the cursor is this close to the last row loaded.
AHEAD = 10
# Meetings list from this long before the daemon's today (the operation's default start
# is today, which would hide the meetings just held).
MEETINGS_BACK = timedelta(days=30)


class RecordsScreen(DashboardScreen):
    """The operator's records, one kind at a time."""

    AUTO_FOCUS = "#records"
    BINDINGS = [
        *(Binding(k.key, f"kind('{k.key}')", k.name, show=False) for k in KINDS),
        Binding("slash", "search", "Search"),
        Binding("escape", "clear_search", "Clear search", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind: Kind = KINDS[0]
        self.records: list[dict[str, Any]] = []
        # The table's rows in order: a record, or None for a stage's heading.
        self.rows: list[dict[str, Any] | None] = []
        self.total = 0
        self.amount: float | None = None  # deals: their amounts summed
        # Deals: the stages still to list after the current one, which the cursor pages.
        self.stages: list[tuple[str, str]] = []
        self.stage: tuple[str, str] | None = None
        self.next_cursor: str | None = None
        self.words = ""
        self.now = ""
        self.tz = "UTC"
        self.loaded = False
        self._paging = False
        # Deals: one loader of stages at a time (the first load, or the cursor's next page).
        self._stage_lock = asyncio.Lock()
        self._listing = 0  # counts the table's clearings, so a stale page is dropped
        self._cursor_was = 0  # the row the cursor was on, so it steps over headings

    def compose(self) -> ComposeResult:
        yield Tabs(*(Tab(f"{k.name} ({k.key})", id=f"tab-{k.key}") for k in KINDS), id="kinds")
        yield Input(placeholder=f"/ {self.kind.search}", id="search")
        table: DataTable[Any] = DataTable(id="records", cursor_type="row")
        yield table
        yield Static("", id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#kinds", Tabs).can_focus = False
        self._columns()
        self.query_one("#records", DataTable).focus()
        self.reload()

    # -- the kind and its columns ------------------------------------------------------------

    def action_kind(self, key: str) -> None:
        self.query_one("#kinds", Tabs).active = f"tab-{key}"

    @on(Tabs.TabActivated, "#kinds")
    def _tab(self, event: Tabs.TabActivated) -> None:
        key = (event.tab.id or "tab-c").removeprefix("tab-")
        if BY_KEY[key] is self.kind:
            return
        self.kind = BY_KEY[key]
        search = self.query_one("#search", Input)
        search.placeholder = f"/ {self.kind.search}"
        self._columns()
        self.reload()

    def _columns(self) -> None:
        table = self.query_one("#records", DataTable)
        table.clear(columns=True)
        for n, (header, width) in enumerate(self.kind.columns):
            table.add_column(header, key=str(n), width=width)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The kind's one open column takes what the fixed ones leave."""
        table = self.query_one("#records", DataTable)
        fixed = sum(w or 0 for _, w in self.kind.columns) + 2 * len(self.kind.columns) + 2
        for n, (_, width) in enumerate(self.kind.columns):
            column = table.columns.get(ColumnKey(str(n)))
            if width is None and column is not None:
                column.width, column.auto_width = max(12, self.size.width - fixed), False
        table.refresh()

    # -- loading -----------------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": PAGE, "query": self.words or None}
        if self.kind.key == "m" and self.now:
            now = timefmt.parse(self.now)
            if now is not None:
                params["start"] = (now - MEETINGS_BACK).date().isoformat()
        return params

    @work(exclusive=True, group="records-load")
    @loader
    async def reload(self) -> None:
        """The first page of the kind, searched by the words typed."""
        self.loaded = False
        kind = self.kind
        try:
            if kind.key == "m" and not self.now:
                first = await self.dash.link.call("meetings.list", {"limit": 1})
                self.now = first["now"]
            if kind.key == "d":
                await self._first_stages()
                return
            page = await self.dash.link.call(kind.list_op, self._params())
        except LinkDown:
            return
        except Exception as exc:
            self.notify(said(exc), severity="warning")
            return
        self._clear()
        self._take(page)
        self._first_row()

    def _clear(self) -> None:
        self.query_one("#records", DataTable).clear()
        self.records, self.rows = [], []
        self.amount, self.stages, self.stage = None, [], None
        self.next_cursor = None
        self._listing += 1

    def _first_row(self) -> None:
        """The cursor on the first record (below a heading, if one comes first)."""
        table = self.query_one("#records", DataTable)
        first = next((n for n, row in enumerate(self.rows) if row is not None), 0)
        if table.row_count:
            table.move_cursor(row=first, animate=False)
        self.loaded = True

    async def _first_stages(self) -> None:
        """Deals: the stages in the pipeline's order, then the first page's worth of them."""
        pipeline = await self.dash.link.call("reports.pipeline", {})
        every = await self.dash.link.call("deals.list", {**self._params(), "limit": 1})
        self._clear()
        self.stages = deal_stages.in_order(pipeline)
        self.total, self.amount = every["total"], every["amount"]
        await self._more_stages()
        self._first_row()

    async def _more_stages(self) -> None:
        """Deals: the current stage's next page, or the next stages', until a page's worth
        more are listed or none are left. Each stage opens with its heading."""
        async with self._stage_lock:
            await self._stages_page(self._listing)

    async def _stages_page(self, listing: int) -> None:
        added = 0
        while added < PAGE and self._more_left():
            cursor = self.next_cursor
            stage = self.stages[0] if cursor is None else self.stage
            params = {**self._params(), "stage": [stage[0]] if stage else [], "cursor": cursor}
            page = await self.dash.link.call("deals.list", params)
            if listing != self._listing:
                return  # the table was cleared (a new search) while this page came
            if cursor is None and stage is not None:
                self.stage = self.stages.pop(0)
                if page["total"]:
                    heading = deal_stages.heading(stage[1], page["total"], page["amount"])
                    self.query_one("#records", DataTable).add_row(*heading, key=f"stage:{stage[0]}")
                    self.rows.append(None)
            self._take(page, totals=False)
            added += len(page["deals"])

    @work(exclusive=True, group="records-more")
    @loader
    async def more(self) -> None:
        """The next page, after the rows loaded."""
        if not self._more_left() or self._paging:
            return
        self._paging = True
        kind, cursor = self.kind, self.next_cursor
        try:
            if kind.key == "d":
                await self._more_stages()
                return
            page = await self.dash.link.call(kind.list_op, {**self._params(), "cursor": cursor})
        except Exception:
            return
        finally:
            self._paging = False
        if kind is self.kind and cursor == self.next_cursor:
            self._take(page)

    def _more_left(self) -> bool:
        return self.next_cursor is not None or bool(self.stages)

    def _take(self, page: dict[str, Any], totals: bool = True) -> None:
        self.now, self.tz = page["now"], page["timezone"]
        self.next_cursor = page["next_cursor"]
        if totals:
            self.total = page["total"]
        table = self.query_one("#records", DataTable)
        for record in page[self.kind.field]:
            self.records.append(record)
            self.rows.append(record)
            table.add_row(*self.kind.cells(record, self.now, self.tz), key=str(record["id"]))
        self._update_status_line()

    def _update_status_line(self) -> None:
        noun = self.kind.name.lower()
        line = f"{len(self.records):,} of {self.total:,} {noun}"
        if self.amount is not None:
            line += f" worth {money(self.amount)}"
        if self.words:
            line += f" matching “{self.words}” (escape clears)"
        if self._more_left():
            line += " · more as you scroll"
        if self.dash.workspace == "demo":
            line += " · [b]demo workspace[/b]"
        if self.dash.link_note:
            line += f" · {self.dash.link_note}"
        self.query_one("#status-line", Static).update(line)

    @on(DataTable.RowHighlighted, "#records")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        row, was = event.cursor_row, self._cursor_was
        if 0 <= row < len(self.rows) and self.rows[row] is None:
            # A stage's heading is not a record: the cursor goes on past it, the way it
            # was going (back, when nothing is left that way).
            step = -1 if row < was else 1
            ahead = range(row + step, len(self.rows) if step > 0 else -1, step)
            behind = range(row - step, -1 if step > 0 else len(self.rows), -step)
            to = next((n for n in chain(ahead, behind) if self.rows[n] is not None), None)
            if to is not None:
                event.data_table.move_cursor(row=to, animate=False)
                return
        self._cursor_was = row
        if row >= len(self.rows) - AHEAD and self._more_left():
            self.more()

    # -- live --------------------------------------------------------------------------------

    async def live(self, event: dict[str, Any]) -> None:
        """A new workspace, or its data replaced: the list loads afresh."""
        if event.get("type") == "workspace.changed":
            self.reload()

    def link_changed(self) -> None:
        self._update_status_line()

    # -- opening and searching ---------------------------------------------------------------

    def current(self) -> dict[str, Any] | None:
        table = self.query_one("#records", DataTable)
        if not table.row_count or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_open(self) -> None:
        from caseyos_cli.tui.record_detail import RecordDetail

        record = self.current()
        if record is not None:
            self.app.push_screen(RecordDetail(self.kind.field, record["id"]))

    @on(DataTable.RowSelected, "#records")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        field = self.query_one("#search", Input)
        if field.value or self.words:
            field.value = ""
        self.query_one("#records", DataTable).focus()

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        words = " ".join(event.value.split())
        if words != self.words:
            self.words = words
            self.reload()

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        self.query_one("#records", DataTable).focus()

    def action_reload(self) -> None:
        self.reload()
