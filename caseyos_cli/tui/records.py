"""Records: contacts, companies, deals, meetings and threads, searchable, a page at a time.

One table shows one kind of record (c o d m t switch, or click a tab); `/` searches it
through the daemon (the `*.list` operations' `query`), and the next page loads when the
cursor nears the end of the rows loaded, so a large workspace is never thousands of rows
at once. Enter opens the record's detail, with its linked moves and signals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static, Tab, Tabs
from textual.widgets.data_table import ColumnKey

from caseyos_cli import timefmt
from caseyos_cli.tui.link import LinkDown, said
from caseyos_cli.tui.recordkinds import BY_KEY, KINDS, Kind
from caseyos_cli.tui.screen import DashboardScreen

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
        self.total = 0
        self.next_cursor: str | None = None
        self.words = ""
        self.now = ""
        self.tz = "UTC"
        self.loaded = False
        self._paging = False

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
    async def reload(self) -> None:
        """The first page of the kind, searched by the words typed."""
        self.loaded = False
        kind = self.kind
        try:
            if kind.key == "m" and not self.now:
                first = await self.dash.link.call("meetings.list", {"limit": 1})
                self.now = first["now"]
            page = await self.dash.link.call(kind.list_op, self._params())
        except LinkDown:
            return
        except Exception as exc:
            self.notify(said(exc), severity="warning")
            return
        table = self.query_one("#records", DataTable)
        table.clear()
        self.records = []
        self._take(page)
        if table.row_count:
            table.move_cursor(row=0, animate=False)
        self.loaded = True

    @work(exclusive=True, group="records-more")
    async def more(self) -> None:
        """The next page, after the rows loaded."""
        if self.next_cursor is None or self._paging:
            return
        self._paging = True
        kind, cursor = self.kind, self.next_cursor
        try:
            page = await self.dash.link.call(kind.list_op, {**self._params(), "cursor": cursor})
        except Exception:
            return
        finally:
            self._paging = False
        if kind is self.kind and cursor == self.next_cursor:
            self._take(page)

    def _take(self, page: dict[str, Any]) -> None:
        self.now, self.tz = page["now"], page["timezone"]
        self.total, self.next_cursor = page["total"], page["next_cursor"]
        table = self.query_one("#records", DataTable)
        for record in page[self.kind.field]:
            self.records.append(record)
            table.add_row(*self.kind.cells(record, self.now, self.tz), key=str(record["id"]))
        self._update_status_line()

    def _update_status_line(self) -> None:
        noun = self.kind.name.lower()
        line = f"{len(self.records):,} of {self.total:,} {noun}"
        if self.words:
            line += f" matching “{self.words}” (escape clears)"
        if self.next_cursor is not None:
            line += " · more as you scroll"
        if self.dash.workspace == "demo":
            line += " · [b]demo workspace[/b]"
        if self.dash.link_note:
            line += f" · {self.dash.link_note}"
        self.query_one("#status-line", Static).update(line)

    @on(DataTable.RowHighlighted, "#records")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.records) - AHEAD and self.next_cursor is not None:
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
        if not table.row_count or table.cursor_row >= len(self.records):
            return None
        return self.records[table.cursor_row]

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
