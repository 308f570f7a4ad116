"""The Today table: a DataTable that takes thousands of rows at once.

Textual's DataTable adds rows one by one (each addition sets the cursor again and asks for
an idle pass) and removes them one by one (each removal renumbers every row after it), and
on the next idle pass it measures every cell of every new row to size the columns. At
10,000 moves that is seconds of work on each filter keystroke. This table has fixed-width
columns and one-line rows, so nothing needs measuring, and `replace_rows` puts a whole new
list in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import Row, RowKey


class MovesTable(DataTable[Any]):
    """A DataTable whose columns all have a fixed width and whose rows are one line."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Measuring cells only sets the width of auto-width columns; there are none here
        # (the screen sets every width), so only the table's size is worked out again.
        fixed = all(not column.auto_width for column in self.columns.values())
        super()._update_dimensions(() if fixed else new_rows)

    def replace_rows(self, rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Show `rows` (key, cells), in this order, instead of what the table holds. The
        caller puts the cursor and the scroll back where they belong."""
        self.clear()
        columns = self.ordered_columns
        data, locations, table_rows = self._data, self._row_locations, self.rows
        for index, (key, cells) in enumerate(rows):
            row_key = RowKey(key)
            locations[row_key] = index
            data[row_key] = {c.key: v for c, v in zip_longest(columns, cells)}
            table_rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = Coordinate(0, 0)
        if rows:
            self._highlight_cursor()
        self.refresh()
        self.check_idle()
