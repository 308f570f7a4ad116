"""One record in full: its facts, and a table of the moves and records linked to it.

Enter on a linked move opens the move's detail; on a linked record, that record's own
detail (over this one, so escape walks back).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import ColumnKey

from caseyos_cli.tui import record_sections
from caseyos_cli.tui.link import said
from caseyos_cli.tui.recordkinds import BY_NAME, title
from caseyos_cli.tui.screen import DashboardScreen, loader


class RecordDetail(DashboardScreen):
    """A contact, company, deal, meeting or thread, with what links to it."""

    AUTO_FOCUS = "#links"
    BINDINGS = [
        Binding("escape,backspace", "back", "Back"),
        Binding("enter", "open", "Open", show=False),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, kind: str, record_id: int) -> None:
        """`kind`: the plural noun as the operations name it (contacts, deals...)."""
        super().__init__()
        self.kind = BY_NAME[kind]
        self.record_id = record_id
        self.result: dict[str, Any] | None = None
        self.link_keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        table: DataTable[Any] = DataTable(id="links", cursor_type="row")
        yield table
        with VerticalScroll(id="record-scroll"):
            yield Static("Loading…", id="record-body")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#links", DataTable)
        table.add_column("Linked", key="what", width=9)
        table.add_column("", key="name")
        table.add_column("", key="detail")
        table.focus()
        self.load()

    @work(exclusive=True, group="record-load")
    @loader
    async def load(self) -> None:
        try:
            result = await self.dash.link.call(self.kind.show_op, {"ref": str(self.record_id)})
        except Exception as exc:  # the daemon gone, or its refusal (e.g. gone since)
            self.query_one("#record-body", Static).update(said(exc))
            return
        self.show(result)

    def show(self, result: dict[str, Any]) -> None:
        self.result = result
        record = result[self.kind.noun.lower()]
        self.query_one("#topbar", Static).update(
            f"[b]{escape(title(self.kind, record))}[/b] · {self.kind.noun.lower()} {record['id']}"
        )
        self.query_one("#record-body", Static).update(
            Group(*record_sections.facts(self.kind.field, result))
        )
        table = self.query_one("#links", DataTable)
        was = table.cursor_row
        table.clear()
        rows = record_sections.links(self.kind.field, result)
        self.link_keys = [key for key, *_ in rows]
        for key, what, name, detail in rows:
            table.add_row(what, name, detail, key=key)
        table.display = bool(rows)
        if rows:
            table.move_cursor(row=min(was, len(rows) - 1), animate=False)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The name column takes what the others leave."""
        table = self.query_one("#links", DataTable)
        spare = max(20, self.size.width - 9 - 30 - 8)
        for key, width in (("name", spare), ("detail", 30)):
            column = table.columns.get(ColumnKey(key))
            if column is not None:
                column.width, column.auto_width = width, False
        table.refresh()

    def current_link(self) -> str | None:
        table = self.query_one("#links", DataTable)
        if not table.row_count:
            return None
        return self.link_keys[table.cursor_row]

    def action_open(self) -> None:
        key = self.current_link()
        if key is None:
            return
        kind, _, ident = key.partition(":")
        if kind == "move":
            self.dash.open_move(int(ident))
        else:
            self.app.push_screen(RecordDetail(kind, int(ident)))

    @on(DataTable.RowSelected, "#links")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    async def live(self, event: dict[str, Any]) -> None:
        if event.get("type") in (
            "move.updated",
            "move.created",
            "queue.changed",
            "workspace.changed",
        ):
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()
