"""The state of one export being parsed: the batch, its warnings, dates in the operator's zone.

Every row handler gets a `ParseContext`. It turns date cells into UTC moments (a time without a
zone is the operator's wall clock), warns with the file name and line, and tallies association
cells that link nothing so that each such column is warned about once, not once per row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.base import OperatorIdentity, SyncBatch
from connectors.dates import operator_tz, parse_loose_date, parse_loose_datetime
from connectors.files._common import SOURCE
from connectors.files.hubspot.columns import Row

# What is wrong with an association cell that links nothing, and how to export it so it links.
_UNLINKED = {
    "Associated Contact": (
        "has no email address",
        "export contacts with their email, as 'Name (email)'",
    ),
    "Associated Contact IDs": (
        "is a contact record id, which cannot be matched to a contact",
        "include the 'Associated Contact' column, with emails",
    ),
    "Associated Deal": (
        "is a deal name, not its Record ID",
        "include the 'Associated Deal IDs' column",
    ),
    "Associated Deal IDs": ("is not a deal Record ID", "expected numeric record ids"),
}


class ParseContext:
    def __init__(self, path: Path, operator: OperatorIdentity):
        self.path = path
        self.operator = operator
        self.tz: ZoneInfo = operator_tz(operator)
        self.batch = SyncBatch(source=SOURCE)
        self._mtime: datetime | None = None
        # Association cells that name no linkable record, per column: (first line, cell, rows).
        # One warning per column, not per row: an export made without emails or record ids
        # would otherwise bury every other warning.
        self._unlinked: dict[str, tuple[int, str, int]] = {}
        self.skipped = 0  # rows left out

    @property
    def file_time(self) -> datetime:
        if self._mtime is None:
            self._mtime = datetime.fromtimestamp(self.path.stat().st_mtime, tz=UTC)
        return self._mtime

    def warn(self, line: int, message: str) -> None:
        self.batch.warnings.append(f"{self.path.name}:{line}: {message}")

    def skip(self, line: int, message: str) -> None:
        """A row left out: warned about, and counted for the file's note."""
        self.skipped += 1
        self.warn(line, message)

    def first_time(self, seen: dict[str, int], key: str, line: int, label: str = "") -> bool:
        """Record `key` as read at `line`; False, with a warning, when an earlier row had it."""
        if key in seen:
            self.skip(line, f"skipped, {label}{key} already imported from line {seen[key]}")
            return False
        seen[key] = line
        return True

    def unlinked(self, line: int, column: str, cell: str) -> None:
        first_line, first_cell, rows = self._unlinked.get(column, (line, cell, 0))
        self._unlinked[column] = (first_line, first_cell, rows + 1)

    def warn_unlinked(self, what: str) -> None:
        for column, (line, cell, rows) in self._unlinked.items():
            problem, fix = _UNLINKED[column]
            many = f"{rows} {what}s were" if rows > 1 else f"1 {what} was"
            self.warn(
                line, f"{column} {cell!r} {problem}; {many} imported without that link ({fix})"
            )

    def when(self, row: Row, field: str, label: str) -> datetime | None:
        raw = row.get(field)
        try:
            parsed = parse_loose_datetime(raw, self.tz)
        except ValueError:
            self.warn(row.line, f"ignored {label} {raw!r}: not a date")
            return None
        return parsed[0] if parsed else None

    def day(self, row: Row, field: str, label: str) -> date | None:
        raw = row.get(field)
        try:
            return parse_loose_date(raw, self.tz)
        except ValueError:
            self.warn(row.line, f"ignored {label} {raw!r}: not a date")
            return None
