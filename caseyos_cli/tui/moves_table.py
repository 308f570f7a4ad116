"""The Today table: a DataTable that takes thousands of rows at once.

Textual's DataTable adds rows one by one (each addition sets the cursor again and asks for
an idle pass) and removes them one by one (each removal renumbers every row after it), and
on the next idle pass it measures every cell of every new row to size the columns. At
10,000 moves that is seconds of work on each filter keystroke. This table has fixed-width
columns and one-line rows, so nothing needs measuring, and `replace_rows` puts a whole new
list in one pass.

Drawing is the other cost: a page down shows forty rows never drawn before, and DataTable
draws each cell through Rich's general layout (padding, wrapping, cropping). A cell here is
one line of Text in a column of known width, so `_render_cell` cuts and pads it directly,
to the very same segments (a test compares the two ways cell by cell).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowKey


def one_line(
    console: Console, cell: Text, width: int, padding: int, pre: Style, post: Style | None
) -> list[Segment]:
    """A one-line Text cell `width` wide, as DataTable lays it out: cut to the width between
    the paddings (with its own overflow: an ellipsis or a plain cut), padded with spaces,
    each segment styled `pre`, then its own style, then `post`."""
    inner = max(0, width - 2 * padding)
    text = cell.copy()
    text.truncate(inner, overflow=cell.overflow or "fold")
    line = Text(end="")
    line.append(text)  # the cell's own style becomes a span under its spans, as Rich does
    pad = [Segment(" " * padding)] if padding else []
    rest = inner - line.cell_len
    fill = [Segment(" " * rest)] if rest > 0 else []
    segments = [*pad, *line.render(console), *fill, *pad]
    return list(Segment.apply_style(segments, pre, post))


# What a row is made of, kept per move: its cells, key, DataTable row and cells by column.
_Made = tuple[Sequence[Any], RowKey, Row, dict[ColumnKey, Any]]


class MovesTable(DataTable[Any]):
    """A DataTable whose columns all have a fixed width and whose rows are one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._made: dict[str, _Made] = {}
        self._made_for: tuple[ColumnKey, ...] = ()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Measuring cells only sets the width of auto-width columns; there are none here
        # (the screen sets every width), so only the table's size is worked out again.
        fixed = all(not column.auto_width for column in self.columns.values())
        super()._update_dimensions(() if fixed else new_rows)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index) if column_index >= 0 else None
        if row_key is None or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cell = self._data.get(row_key, {}).get(column_key)
        if (
            not isinstance(cell, Text)
            or self.fixed_rows
            or self.fixed_columns
            or self.rows[row_key].height != 1
            or "\n" in cell.plain
            or "\t" in cell.plain
            or width <= 2 * self.cell_padding
        ):
            # Headers, labels, a column shrunk to nothing, other kinds of cell:
            # DataTable's own way.
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        lines = self._cell_render_cache.get(key)
        if lines is None:
            component, post = self._get_styles_to_render_cell(
                False,
                False,
                False,
                hover,
                cursor,
                self.show_cursor,
                self._show_hover_cursor,
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            )
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index})
            cut = one_line(self.app.console, cell, width, self.cell_padding, pre + component, post)
            lines = [cut]
            self._cell_render_cache[key] = lines
        return lines

    def replace_rows(self, rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Show `rows` (key, cells), in this order, instead of what the table holds. The
        caller puts the cursor and the scroll back where they belong.

        A filter keystroke shows again rows it showed before: each row's key, its
        DataTable row and its cells by column are kept (for every move shown since the
        columns last changed) while its cells stay the same object. The table's row order
        and line offsets are set here in the same pass (DataTable would work each out
        again, hashing every key once more)."""
        # DataTable.clear empties its caches, then the line offsets of the rows it drops,
        # working them out again over every old row: with the rows gone first, there are
        # none to work out.
        self._data.clear()
        self.rows.clear()
        self._row_locations = TwoWayDict({})
        self.clear()
        columns = self.ordered_columns
        column_keys = tuple(c.key for c in columns)
        if self._made_for != column_keys:
            self._made, self._made_for = {}, column_keys
        made = self._made
        forward: dict[RowKey, int] = {}
        data, table_rows = self._data, self.rows
        ordered: list[Row] = []
        for index, (key, cells) in enumerate(rows):
            known = made.get(key)
            if known is None or known[0] is not cells:
                row_key = known[1] if known is not None else RowKey(key)
                values = dict(zip_longest(column_keys, cells))
                known = (cells, row_key, Row(row_key, 1, None, False), values)
                made[key] = known
            _, row_key, row, values = known
            forward[row_key] = index
            data[row_key] = values
            table_rows[row_key] = row
            ordered.append(row)
        self._row_locations = TwoWayDict(forward)
        self._require_update_dimensions = True
        self._update_count += 1
        self._ordered_row_cache[(len(ordered), self._update_count)] = ordered
        self._offset_cache[self._update_count] = [(row.key, 0) for row in ordered]
        self.cursor_coordinate = Coordinate(0, 0)
        if rows:
            self._highlight_cursor()
        self.refresh()
        self.check_idle()
