"""Today: the day's moves, ranked, to be worked from the keyboard.

The table holds one row per move (the DataTable draws only the rows on screen, so 10,000
moves are 10,000 rows of data, not widgets). It loads the first page at once and the rest
behind it. Live: a move changed through any client (`move.updated`) changes its row in
place; a pass or a new move (`queue.changed`, `move.created`) reloads the list and merges
it into the table, rows updated, added or removed, with the cursor kept on the same move
and the scroll where it was. Accepted moves stay (they are yours to do), and so do moves
decided here within the undo window, marked, so what was just done can be seen and undone.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from rich.markup import escape
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import ColumnKey

from caseyos_cli.tui import modals
from caseyos_cli.tui.link import LinkDown, said
from caseyos_cli.tui.moves import COLUMNS, WIDE, cells, haystack
from caseyos_cli.tui.moves_table import MovesTable
from caseyos_cli.tui.screen import DashboardScreen, loader

FIRST_PAGE = 100
# The actions bound to letters, which the filter takes as text while it opens.
LETTER_ACTIONS = frozenset(
    {"accept", "dismiss_move", "snooze", "done", "undo", "explain", "reload"}
)
# How long a move decided here stays on screen after the daemon stops listing it: the
# daemon's undo window.
KEEP_DECIDED = 15 * 60
PAGE = 1000
# What the header counts, in this order.
COUNTED = ("pending", "accepted", "snoozed", "done", "dismissed")


class TodayScreen(DashboardScreen):
    """Today's Moves, best first."""

    BINDINGS = [
        Binding("a", "accept", "Accept"),
        Binding("d", "dismiss_move", "Dismiss"),
        Binding("s", "snooze", "Snooze"),
        Binding("x", "done", "Done"),
        # Not in the footer (80 columns hold the rest): each action's notice says "u undoes".
        Binding("u", "undo", "Undo", show=False),
        Binding("e", "explain", "Why"),
        Binding("enter", "open", "Open", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.moves: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.now = ""
        self.tz = "UTC"
        self.total = 0
        self.words: list[str] = []
        self.loaded = False
        # When this dashboard decided each move (monotonic seconds), for `_keep`.
        self.decided: dict[str, float] = {}
        # Per move key: the move and clock its cells were made from, and the cells; what
        # the filter searches in it (set with the move, by `_put`); and the keys shown, in
        # order.
        self._cells: dict[str, tuple[dict[str, Any], str, tuple[Any, ...]]] = {}
        self._haystacks: dict[str, str] = {}
        self._shown: list[str] = []
        # The daemon's order (rank by key) and the keys of `moves` sorted by it.
        self._rank: dict[str, int] = {}
        self._sorted: list[str] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        table = MovesTable(id="moves", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="preview")
        yield Input(placeholder="filter: words in the move, who, why", id="filter")
        yield Static("", id="status-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#moves", DataTable)
        for key, header, width in COLUMNS:
            # Every column has a width (the table measures no cell); `_fit_columns` shares
            # out what the fixed ones leave.
            table.add_column(header, key=key, width=width or 1)
        self.query_one("#filter", Input).display = False
        table.focus()
        self._fit_columns()
        self.reload()

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Share what the fixed columns leave of the width between "Who" and, on a wide
        terminal, "Why now"."""
        table = self.query_one("#moves", DataTable)
        fixed = sum(w for _, _, w in COLUMNS if w) + 2 * len(COLUMNS) + 2
        spare = max(20, self.size.width - fixed)
        who = min(spare, 40) if self.size.width >= WIDE else spare
        widths = {"who": who, "why": max(0, spare - who)}
        for key, width in widths.items():
            column = table.columns.get(ColumnKey(key))
            if column is not None and column.width != width:
                column.width = width
                column.auto_width = False
        table.refresh()

    # -- loading -----------------------------------------------------------------------------

    @work(exclusive=True, group="today-load")
    @loader
    async def reload(self) -> None:
        """Fetch today's moves (the first page at once, the rest after) and merge them."""
        try:
            first = await self.dash.link.call("queue.today", {"limit": FIRST_PAGE})
            self.now, self.tz, self.total = first["now"], first["timezone"], first["total"]
            moves = list(first["moves"])
            self._merge(moves, complete=first["next_cursor"] is None)
            cursor = first["next_cursor"]
            while cursor is not None:
                page = await self.dash.link.call("queue.today", {"limit": PAGE, "cursor": cursor})
                moves += page["moves"]
                cursor = page["next_cursor"]
            if len(moves) > len(first["moves"]):
                self._merge(moves, complete=True)
            await self._refresh_counts()
        except LinkDown:
            return  # the link says so in the footer and reloads when it is back
        self.loaded = True
        # Ten thousand moves are a few hundred thousand objects that live as long as the
        # screen. In the collector's view, every full collection walks them all (0.1 s: a
        # keypress that misses its frame); frozen, collections leave them out. They are
        # still freed as usual when their last reference goes.
        gc.freeze()

    def _merge(self, moves: list[dict[str, Any]], *, complete: bool) -> None:
        """Make the table show `moves` in their order without rebuilding it: rows of moves
        already shown are updated where they changed, new ones added, and (once the whole
        list is in) pending rows the daemon no longer lists removed. The cursor stays on
        its move and the scroll where it was."""
        table = self.query_one("#moves", DataTable)
        was = self._cursor_key()
        scroll = (table.scroll_x, table.scroll_y)
        fresh = {str(m["id"]): m for m in moves}
        self.order = [str(m["id"]) for m in moves]
        self._rank = {key: n for n, key in enumerate(self.order)}
        self._sorted = None
        if complete:
            for key, old in list(self.moves.items()):
                if key not in fresh and not self._keep(key, old):
                    self.moves.pop(key)
                    self._haystacks.pop(key, None)
        for key, move in fresh.items():
            self._put(key, move)
        self._show(table)
        table.scroll_to(*scroll, animate=False, immediate=True)
        if was is not None and was in table.rows:
            table.move_cursor(row=table.get_row_index(was), animate=False, scroll=False)
        self._update_status_line()

    def _keep(self, key: str, move: dict[str, Any]) -> bool:
        """Whether a row the daemon no longer lists for today stays: an accepted move is
        yours to do until done, and what you decided lately stays (marked) to be undone."""
        if move["status"] == "accepted":
            return True
        decided = self.decided.get(key)
        return decided is not None and time.monotonic() - decided < KEEP_DECIDED

    def _show(self, table: DataTable[Any], *, narrower: bool = False, typed: bool = False) -> None:
        """Rows for the moves that pass the filter, in rank order; others hidden.

        When the rows shown stay the same, only the cells that changed are updated; when
        they differ (a filter typed, a reload), the table gets the new list in one pass and
        the cursor stays on its move. Cells and filter text are kept per move and made
        again only when the move (or the daemon's clock) changed. `narrower`: the filter
        only got longer, so what it shows now is among what it showed. `typed`: only the
        filter changed (no move, no clock), so the same rows shown need nothing done."""
        rank = self._rank
        end = len(rank)
        if self._sorted is None or len(self._sorted) != len(self.moves):
            self._sorted = sorted(self.moves, key=lambda k: (rank.get(k, end), int(k)))
        candidates = self._shown if narrower else self._sorted
        visible = self._passing(candidates)
        if typed and visible == self._shown:
            return
        rows: list[tuple[str, tuple[Any, ...]]] = []
        changed: list[tuple[str, tuple[Any, ...], tuple[Any, ...] | None]] = []
        for key in visible:
            move = self.moves[key]
            cached = self._cells.get(key)
            if cached is not None and cached[0] is move and cached[1] == self.now:
                row = cached[2]
            else:
                row = cells(move, rank.get(key, end), self.now, self.tz)
                self._cells[key] = (move, self.now, row)
                changed.append((key, row, cached[2] if cached else None))
            rows.append((key, row))
        if visible == self._shown:
            for key, row, old in changed:
                for n, ((col, _, _), value) in enumerate(zip(COLUMNS, row, strict=True)):
                    if old is None or str(old[n]) != str(value) or old[n].style != value.style:
                        table.update_cell(key, col, value)
            return
        was = self._cursor_key()
        scroll = (table.scroll_x, table.scroll_y)
        assert isinstance(table, MovesTable)
        table.replace_rows(rows)
        self._shown = visible
        if typed:
            return  # a new filter shows its list from the top, where the table now is
        table.scroll_to(*scroll, animate=False, immediate=True)
        if was is not None and was in table.rows:
            table.move_cursor(row=table.get_row_index(was), animate=False, scroll=False)

    def _passing(self, keys: list[str]) -> list[str]:
        """The moves among `keys` that the filter's words all find. This runs over every
        move at a keystroke: one comprehension per word, each over what the last one
        kept."""
        hays = self._haystacks
        found = list(keys)
        for word in self.words:
            found = [key for key in found if word in hays[key]]
        return found

    def _put(self, key: str, move: dict[str, Any]) -> None:
        """Hold `move` as the latest of its key, with what the filter searches in it (made
        here, while the list loads, rather than for every move at the first key typed)."""
        self.moves[key] = move
        self._haystacks[key] = haystack(move)

    def _cursor_key(self) -> str | None:
        table = self.query_one("#moves", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    async def _refresh_counts(self) -> None:
        stats = await self.dash.link.call("queue.stats", {})
        by = stats.get("by_status") or {}
        parts = [f"{by.get(s, 0):,} {s}" for s in COUNTED]
        title = f"Today: {self.total:,} due"
        self.query_one("#topbar", Static).update(f"[b]{title}[/b]  ·  " + " · ".join(parts))

    def _update_status_line(self) -> None:
        table = self.query_one("#moves", DataTable)
        shown = table.row_count
        line = f"{shown:,} of {len(self.moves):,} moves"
        if self.words:
            line += f" match “{' '.join(self.words)}” (escape clears)"
        if self.dash.workspace == "demo":
            line += " · [b]demo workspace[/b]: `caseyos init` for your own"
        if self.dash.link_note:
            # First: at 80 columns the end of the line is cut off, and this matters most.
            line = f"[b]{escape(self.dash.link_note)}[/b] · {line}"
        self.query_one("#status-line", Static).update(line)
        self._update_preview()

    # -- live --------------------------------------------------------------------------------

    async def live(self, event: dict[str, Any]) -> None:
        """An event from the daemon: change what it changed."""
        kind, data = event.get("type"), event.get("data") or {}
        if kind == "move.updated":
            key = str(data.get("id"))
            if key in self.moves:
                await self._refetch_one(key)
            else:
                self.reload()
        elif kind in ("move.created", "queue.changed", "workspace.changed"):
            if kind == "workspace.changed":
                self._forget()
            self.reload()
        elif kind == "outcome.recorded":
            await self._refresh_counts()

    def link_changed(self) -> None:
        """The link went down or came back: the status line says which."""
        self._update_status_line()

    def _forget(self) -> None:
        self.moves.clear()
        self._haystacks.clear()
        self._shown = []
        self._sorted = None
        self.query_one("#moves", DataTable).clear()

    async def _refetch_one(self, key: str) -> None:
        try:
            shown = await self.dash.link.call("queue.show", {"id": int(key)})
        except LinkDown:
            return
        self._put(key, {**self.moves[key], **shown["move"]})
        self._show(self.query_one("#moves", DataTable))
        await self._refresh_counts()

    # -- acting ------------------------------------------------------------------------------

    def _current(self) -> dict[str, Any] | None:
        key = self._cursor_key()
        return self.moves.get(key) if key else None

    async def _act(
        self,
        op: str,
        params: dict[str, Any],
        done: str,
        *,
        move: dict[str, Any] | None = None,
        refused: Callable[[str], None] | None = None,
    ) -> None:
        """Call `op` on `move` (the one under the cursor unless given); on success mark it
        decided here, say so and refresh its row. A refusal is shown, or handed to
        `refused` (the snooze picker asks again, saying why)."""
        move = move or self._current()
        if move is None:
            return
        try:
            await self.dash.link.call(op, {"id": move["id"], **params})
        except LinkDown as exc:
            self.notify(str(exc), severity="error")
            return
        except Exception as exc:  # the daemon's refusal, said as it said it
            if refused is not None:
                refused(said(exc))
            else:
                self.notify(said(exc), severity="warning", timeout=6)
            return
        self.dash.last_acted = move["id"]
        self.decided[str(move["id"])] = time.monotonic()
        self.notify(f"{done}: {move['title']} (u undoes)", timeout=4)
        await self._refetch_one(str(move["id"]))

    async def action_accept(self) -> None:
        await self._act("queue.accept", {}, "Accepted")

    async def action_done(self) -> None:
        await self._act("queue.done", {}, "Done")

    def action_dismiss_move(self) -> None:
        move = self._current()
        if move is None:
            return

        async def chosen(reason: str | None) -> None:
            if reason is not None:
                await self._act("queue.dismiss", {"reason": reason or None}, "Dismissed")

        self.app.push_screen(modals.DismissReason(move["title"]), chosen)

    def action_snooze(self, error: str | None = None) -> None:
        move = self._current()
        if move is None:
            return

        async def chosen(until: str | None) -> None:
            if until is not None:
                # A time the daemon cannot read: the picker asks again, saying why.
                params = {"until": until}
                await self._act(
                    "queue.snooze", params, "Snoozed", move=move, refused=self.action_snooze
                )

        self.app.push_screen(modals.SnoozePicker(move["title"], error), chosen)

    async def action_undo(self) -> None:
        move_id = self.dash.last_acted
        if move_id is None:
            self.notify("Nothing to undo yet.", timeout=3)
            return
        try:
            await self.dash.link.call("queue.undo", {"id": move_id})
        except LinkDown as exc:
            self.notify(str(exc), severity="error")
            return
        except Exception as exc:
            self.notify(said(exc), severity="warning", timeout=6)
            return
        self.dash.last_acted = None
        self.notify(f"Undone: move {move_id}", timeout=3)
        key = str(move_id)
        if key in self.moves:
            await self._refetch_one(key)
        else:
            self.reload()

    async def action_explain(self) -> None:
        move = self._current()
        if move is None:
            return
        try:
            explained = await self.dash.link.call("queue.explain", {"id": move["id"]})
        except Exception as exc:
            self.notify(said(exc), severity="warning")
            return
        self.app.push_screen(modals.Explain(explained))

    def action_open(self) -> None:
        move = self._current()
        if move is not None:
            self.dash.open_move(move["id"])

    @on(DataTable.RowHighlighted, "#moves")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._update_preview()

    def _update_preview(self) -> None:
        move = self._current()
        text = "" if move is None else f"[b]{escape(move['title'])}[/b]\n{escape(move['why_now'])}"
        self.query_one("#preview", Static).update(text)

    @on(DataTable.RowSelected, "#moves")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_reload(self) -> None:
        self.reload()

    # -- filtering ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    def _filter_opening(self) -> bool:
        """Whether `/` opened the filter and focus has not reached it yet: keys typed in
        the same burst (`/owen`) are already on their way, behind the `/`."""
        field = self.query_one("#filter", Input)
        return bool(field.display and not field.has_focus)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the filter opens, a letter is part of the words, not a key's action.
        return not (action in LETTER_ACTIONS and self.is_mounted and self._filter_opening())

    def on_key(self, event: events.Key) -> None:
        """`/` opens the filter here, at once, rather than through its binding (which runs
        after the keys queued behind it); letters that arrive before the filter has the
        focus go into it."""
        if not self.is_mounted:
            return
        if event.key == "slash" and isinstance(self.focused, DataTable):
            self.action_filter()
        elif event.is_printable and event.character and self._filter_opening():
            self.query_one("#filter", Input).insert_text_at_cursor(event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if field.display or self.words:
            field.value = ""
            field.display = False
            self._apply_filter("")
            self.query_one("#moves", DataTable).focus()

    @on(Input.Changed, "#filter")
    def _typed(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _submitted(self, event: Input.Submitted) -> None:
        self.query_one("#moves", DataTable).focus()

    def _apply_filter(self, text: str) -> None:
        text = text.lower()
        # Typing on only narrows: every old word is within a new one.
        narrower = bool(self.words) and text.startswith(" ".join(self.words))
        self.words = text.split()
        table = self.query_one("#moves", DataTable)
        self._show(table, narrower=narrower, typed=True)
        if table.row_count and table.cursor_row != 0:
            table.move_cursor(row=0, animate=False)
        self._update_status_line()
