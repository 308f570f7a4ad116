"""The entry point: read an export, check its header, hand each row to its kind's handler."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from connectors.base import CompanyRecord, ImportFormatError, OperatorIdentity, SyncBatch
from connectors.files.hubspot.activities import add_note, add_task
from connectors.files.hubspot.columns import CsvKind, Header, Row, detect_csv_kind
from connectors.files.hubspot.companies import add_company
from connectors.files.hubspot.contacts import add_contact
from connectors.files.hubspot.context import ParseContext
from connectors.files.hubspot.deals import add_deal

# Notes and descriptions in CRM exports can exceed the csv module's 128 KiB field limit. The
# limit is process-wide, so it is only ever raised, once, rather than set and restored per file
# (which would race between imports running in parallel threads).
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


def parse_hubspot_csv(
    path: Path, operator: OperatorIdentity, *, kind: CsvKind | None = None
) -> SyncBatch:
    """Parse a HubSpot contacts, companies, deals, tasks or notes export.

    `kind` skips header detection.
    """
    ctx = ParseContext(path, operator)
    rows = _iter_rows(path)
    first = next(rows, None)
    if first is None:
        raise ImportFormatError("file is empty", path=str(path))
    header_line, header = first
    detected = detect_csv_kind(header)
    if kind is None:
        if detected is None:
            shown = ", ".join(repr(h.strip()) for h in header[:8])
            raise ImportFormatError(
                "not a HubSpot export: expected a contacts ('Email'), companies "
                "('Company Domain Name'), deals ('Deal Name'), tasks ('Task Title' or "
                f"'Due Date') or notes ('Note body') header row, found {shown}",
                path=str(path),
                line=header_line,
            )
        kind = detected
    cols = Header.build(header, kind)
    cols.require(kind, path, header_line)
    handler = {
        "contacts_csv": add_contact,
        "companies_csv": add_company,
        "deals_csv": add_deal,
        "tasks_csv": add_task,
        "notes_csv": add_note,
    }[kind]
    seen: dict[str, int] = {}
    companies: dict[str, CompanyRecord] = {}
    for line, values in rows:
        handler(ctx, Row(cols, values, line), seen, companies)
    ctx.batch.companies.extend(companies.values())
    if kind in {"tasks_csv", "notes_csv"}:
        ctx.warn_unlinked("task" if kind == "tasks_csv" else "note")
    return ctx.batch


def _iter_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on; decoding errors become format errors."""
    line = 1
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            while True:
                line = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise ImportFormatError(
                        f"not a readable CSV file: {exc}", path=str(path), line=line
                    ) from exc
                # One C-level join answers "is any cell more than whitespace" for the row.
                if "".join(row).strip():
                    yield line, row
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            "not a UTF-8 text file (found bytes that are not UTF-8); export the CSV again with "
            "UTF-8 encoding",
            path=str(path),
            line=line,
        ) from exc
    except OSError as exc:
        raise ImportFormatError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
