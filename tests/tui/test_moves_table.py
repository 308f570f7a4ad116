"""The Today table draws its cells itself (a page down is forty rows never drawn before);
every cell must come out exactly as DataTable's own drawing makes it."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from caseyos_cli.tui.moves import Ranked, cells
from caseyos_cli.tui.moves_table import MovesTable

NOW = "2026-11-25T15:00:00+00:00"
TZ = "America/New_York"


def move(n: int, **over: Any) -> dict[str, Any]:
    base = {
        "id": n,
        "aps": 87.4 - n,
        "status": ["pending", "accepted", "snoozed", "dismissed"][n % 4],
        "move_type": ["reply", "follow_up", "meeting_prep", "deal_stalled"][n % 4],
        "due_at": ["2026-11-25T14:00:00+00:00", "2026-11-26T14:00:00+00:00"][n % 2],
        "why_now": "Dana answered two days ago about the 40-seat pricing; still no reply",
        "title": "Reply to Dana",
        "agent": "reply_needed",
        "contact": {"name": "Dana Reyes"},
        "company": {"name": "Acme Robotics"},
    }
    return {**base, **over}


ODD_CELLS = [
    Text(""),
    Text("x" * 200, overflow="ellipsis", no_wrap=True),
    Text("x" * 200),
    Text("日本語の名前とても長い会社名株式会社", overflow="ellipsis"),
    Text.assemble(("bold ", "bold"), ("red", "red"), " plain", style="italic"),
    Ranked(" 99", style="bold green"),
]


class Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield MovesTable(cursor_type="row", id="t")

    def on_mount(self) -> None:
        table = self.query_one(MovesTable)
        # The last column is as "Why now" at 80 columns: no room, width 0.
        for n, width in enumerate((3, 1, 13, 24, 30, 9, 0)):
            table.add_column(f"c{n}", width=width, key=f"c{n}")
        rows: list[tuple[str, tuple[Any, ...]]] = []
        for n in range(8):
            rows.append((str(n), (*cells(move(n), n, NOW, TZ), ODD_CELLS[1])))
        odd = ODD_CELLS
        rows.append(("odd", (odd[5], odd[0], odd[4], odd[3], odd[1], odd[2], odd[4])))
        rows.append(("odd-2", (odd[0], odd[5], odd[1], odd[2], odd[4], odd[3], odd[0])))
        table.replace_rows(rows)


async def test_each_cell_is_drawn_as_datatable_draws_it() -> None:
    app = Holder()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(MovesTable)
        styles = [Style(), Style(bgcolor="grey11", color="white"), Style(dim=True)]
        compared = 0
        for row in range(table.row_count):
            for column, col in enumerate(table.ordered_columns):
                width = col.get_render_width(table)
                for base in styles:
                    for cursor, hover in ((False, False), (True, False), (False, True)):
                        table._cell_render_cache.clear()
                        ours = table._render_cell(row, column, base, width, cursor, hover)
                        table._cell_render_cache.clear()
                        theirs = DataTable._render_cell(
                            table, row, column, base, width, cursor, hover
                        )
                        assert ours == theirs, (row, column, base, cursor, hover)
                        compared += 1
        assert compared == 10 * 7 * 3 * 3
        # The header is DataTable's own.
        header = table._render_cell(-1, 0, Style(), 5)
        assert "c0" in "".join(s.text for s in header[0])
