"""Local file imports: HubSpot CSV exports, mbox mail archives, iCalendar files.

`parse_file` is the single entry point; it works out the kind of file from its name and its
first bytes, and every parser returns a `SyncBatch` with source "files". For large files,
`iter_mbox` (with `count_mbox` for progress) and `iter_hubspot_csv` hand over the same records
a message or a batch of rows at a time.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Literal, cast, get_args

from connectors.base import ImportFormatError, OperatorIdentity, SyncBatch
from connectors.files._common import first_line, read_head
from connectors.files.hubspot import (
    CsvKind,
    detect_csv_kind,
    iter_hubspot_csv,
    parse_hubspot_csv,
)
from connectors.files.mbox import check_mbox, count_mbox, iter_mbox, parse_mbox

FileKind = Literal[
    "contacts_csv", "companies_csv", "deals_csv", "tasks_csv", "notes_csv", "mbox", "ics"
]
FILE_KINDS: tuple[str, ...] = get_args(FileKind)

_SUPPORTED = (
    "supported files are HubSpot exports of contacts, companies, deals, tasks or notes (.csv), "
    "a mail archive (.mbox, e.g. from Google Takeout) and a calendar (.ics)"
)

__all__ = [
    "FILE_KINDS",
    "FileKind",
    "count_mbox",
    "detect_kind",
    "iter_hubspot_csv",
    "iter_mbox",
    "parse_file",
    "parse_hubspot_csv",
    "parse_mbox",
    "probe",
]


def detect_kind(path: Path) -> FileKind:
    """What `path` holds, from its extension and its first line; raises ImportFormatError."""
    head = read_head(path)
    if not head.strip():
        raise ImportFormatError("file is empty", path=str(path))
    line = first_line(head)
    suffix = path.suffix.lower()
    if suffix == ".mbox" or line.startswith(b"From "):
        return "mbox"
    if suffix in {".ics", ".ical", ".icalendar"} or line.strip().upper() == b"BEGIN:VCALENDAR":
        return "ics"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The sniffed block may end inside a multi-byte character; only earlier errors count.
        if exc.start < len(head) - 4:
            raise ImportFormatError(
                f"cannot tell what this file is: it is not UTF-8 text; {_SUPPORTED}",
                path=str(path),
            ) from exc
        text = head[: exc.start].decode("utf-8-sig")
    header = next((row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)), [])
    kind = detect_csv_kind(header)
    if kind is not None:
        return kind
    if suffix == ".csv":
        raise ImportFormatError(
            "not a HubSpot export: expected a header row with 'Email' (contacts), "
            "'Company Domain Name' (companies), 'Deal Name' (deals), 'Task Title' or "
            "'Due Date' (tasks) or 'Note body' (notes)",
            path=str(path),
            line=1,
        )
    raise ImportFormatError(f"cannot tell what this file is; {_SUPPORTED}", path=str(path))


def _kind(path: Path, kind: str | None) -> FileKind:
    """The kind asked for (which must be one we know), else the one the file shows."""
    if kind is not None and kind not in FILE_KINDS:
        raise ImportFormatError(
            f"unknown file kind {kind!r}; expected one of {', '.join(FILE_KINDS)}", path=str(path)
        )
    return cast(FileKind, kind) if kind is not None else detect_kind(path)


def probe(path: Path, kind: str | None = None) -> FileKind:
    """The file's kind, checked against its first bytes; cheap, for refusing bad files early."""
    resolved = _kind(path, kind)
    if resolved == "mbox":
        check_mbox(path)
    return resolved


def parse_file(
    path: Path,
    operator: OperatorIdentity,
    *,
    kind: str | None = None,
    now: datetime | None = None,
) -> SyncBatch:
    """Parse one local file into a SyncBatch; `now` bounds the expansion of repeating meetings."""
    path = Path(path)
    resolved = _kind(path, kind)
    if resolved == "mbox":
        return parse_mbox(path, operator)
    if resolved == "ics":
        # Only here: the calendar library is a tenth of a daemon's start, and most starts
        # import no calendar.
        from connectors.files.ics import parse_ics

        return parse_ics(path, operator, now=now)
    return parse_hubspot_csv(path, operator, kind=cast(CsvKind, resolved))
