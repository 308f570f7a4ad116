"""The entry point: read an export, check its header, hand each row to its kind's handler."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from connectors.base import CompanyRecord, ImportFormatError, OperatorIdentity, SyncBatch
from connectors.files._common import SOURCE, kept_note
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
    return next(iter_hubspot_csv(path, operator, kind=kind, chunk_rows=None))


def iter_hubspot_csv(
    path: Path,
    operator: OperatorIdentity,
    *,
    kind: CsvKind | None = None,
    chunk_rows: int | None = 1000,
) -> Iterator[SyncBatch]:
    """Parse an export as batches of at most `chunk_rows` rows, for callers that write as they
    read; None gives one batch for the whole file.

    A batch holds the records of its rows, the companies first seen in them and their warnings;
    the warnings about association columns that link nothing come with the last batch, which
    may hold nothing else. Duplicates are recognised across the whole file, so the batches
    merged with SyncBatch.extend are what parse_hubspot_csv returns. The header is checked
    before the first batch: a file that is not an export fails on the first next().
    """
    if chunk_rows is not None and chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
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
    companies = _Companies()
    pending = read = 0
    for line, values in rows:
        handler(ctx, Row(cols, values, line), seen, companies)
        pending += 1
        read += 1
        if pending == chunk_rows:
            yield _take(ctx, companies)
            pending = 0
    if kind in {"tasks_csv", "notes_csv"}:
        ctx.warn_unlinked("task" if kind == "tasks_csv" else "note")
    if ctx.skipped:
        ctx.batch.remarks.append(kept_note(path.name, read - ctx.skipped, read, "rows"))
    yield _take(ctx, companies)


class _Companies(dict[str, CompanyRecord]):
    """Companies by domain, remembering which domains arrived since the last batch."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh: list[str] = []

    def __setitem__(self, domain: str, company: CompanyRecord) -> None:
        if domain not in self:
            self.fresh.append(domain)
        super().__setitem__(domain, company)


def _take(ctx: ParseContext, companies: _Companies) -> SyncBatch:
    """The batch built so far, with its new companies; the context starts a fresh one."""
    batch = ctx.batch
    batch.companies.extend(companies[domain] for domain in companies.fresh)
    companies.fresh = []
    ctx.batch = SyncBatch(source=SOURCE)
    return batch


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
