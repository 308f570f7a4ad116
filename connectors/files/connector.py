"""The files connector: a local export (HubSpot CSV, mbox, ICS) as a resumable stream.

A file's stream is named by its kind and content hash, so the cursor of an interrupted
import applies only to the very same file. Mail is read message by message and handed over
in chunks, so a 50,000-message mbox never sits in memory; a CSV export is read a hundred rows
at a time (each step carries the companies its rows name first); a calendar is small enough
to parse whole and is then handed over in chunks in dependency order (records before the
signals that refer to them).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from connectors.base import Health, OperatorIdentity, SyncBatch
from connectors.files import detect_kind, parse_file
from connectors.files._common import SOURCE, kept_note
from connectors.files.hubspot import CsvKind, iter_hubspot_csv
from connectors.files.mbox import ParsedMessage, count_mbox, iter_mbox

# Rows parsed per step of a CSV export; a batch gathers steps until it is big enough.
ROWS_PER_PIECE = 100
# The record lists of a SyncBatch in the order they may be written.
_ORDER = ("companies", "contacts", "deals", "meetings", "tasks", "notes", "messages", "signals")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileConnector:
    name = SOURCE
    auth: str | None = None
    # Parsing is Python work; overlapped with writing it only slows both (measured).
    read_ahead = False

    def __init__(
        self,
        path: Path,
        operator: OperatorIdentity,
        kind: str,
        sha256: str,
        now: datetime,
        chunk_size: int = 500,
    ):
        self.path = path
        self.operator = operator
        self.kind = kind
        self.sha256 = sha256
        self.now = now
        self.chunk_size = chunk_size

    @classmethod
    async def open(
        cls, path: Path, operator: OperatorIdentity, now: datetime, kind: str | None = None
    ) -> FileConnector:
        """Work out the file's kind and hash off the event loop; raises ImportFormatError."""

        def probe() -> tuple[str, str]:
            return kind or detect_kind(path), sha256_of(path)

        resolved, sha = await asyncio.to_thread(probe)
        return cls(path, operator, resolved, sha, now)

    @property
    def stream(self) -> str:
        return f"{self.kind}:{self.sha256[:16]}"

    def streams(self) -> Sequence[str]:
        return [self.stream]

    async def health(self) -> Health:
        ok = self.path.is_file()
        return Health(ok, "readable" if ok else f"{self.path} is gone")

    async def aclose(self) -> None:
        """Nothing to release: each read opens and closes the file itself."""

    async def sync(self, stream: str, cursor: str | None) -> AsyncIterator[SyncBatch]:
        start = int(cursor or 0)
        if self.kind == "mbox":
            async for batch in self._mail(start):
                yield batch
            return
        if self.kind.endswith("_csv"):
            async for batch in self._csv(start):
                yield batch
            return
        whole = await asyncio.to_thread(
            parse_file, self.path, self.operator, kind=self.kind, now=self.now
        )
        items: list[tuple[str, Any]] = [
            (name, rec) for name in _ORDER for rec in getattr(whole, name)
        ]
        total = len(items)
        position = min(start, total)
        warnings, remarks = list(whole.warnings), list(whole.remarks)
        while position < total or warnings or remarks:
            end = min(total, position + max(1, self.chunk_size))
            batch = SyncBatch(source=whole.source, warnings=warnings, remarks=remarks, total=total)
            for name, rec in items[position:end]:
                getattr(batch, name).append(rec)
            batch.done = end
            batch.cursor = str(end)
            warnings, remarks = [], []
            position = end
            yield batch

    async def _csv(self, start: int) -> AsyncIterator[SyncBatch]:
        """A CSV export read a few rows at a time: memory stays flat, however long the file.

        The cursor counts rows; rows an interrupted import already wrote are parsed again
        (duplicates are recognised across the file) but not handed over.
        """
        total = await asyncio.to_thread(count_csv_rows, self.path)
        pieces = iter_hubspot_csv(
            self.path, self.operator, kind=cast(CsvKind, self.kind), chunk_rows=ROWS_PER_PIECE
        )
        position = 0
        while True:
            batch = SyncBatch(source=SOURCE, total=total)
            ended = await asyncio.to_thread(
                _fill, pieces, batch, max(1, self.chunk_size), skip=max(0, start - position)
            )
            position = min(total, position + batch.done)
            if position <= start and not ended:
                continue
            batch.done = position
            batch.cursor = str(position)
            if batch.size() or batch.warnings or batch.remarks:
                yield batch
            if ended:
                return

    async def _mail(self, start: int) -> AsyncIterator[SyncBatch]:
        total = await asyncio.to_thread(count_mbox, self.path)
        # Messages an interrupted import already wrote are passed over without being parsed.
        messages = iter_mbox(self.path, self.operator, start=start)
        position = start
        skipped = 0  # unreadable messages since `start` (a resumed import counts from there)
        while True:
            parsed = await asyncio.to_thread(_take, messages, max(1, self.chunk_size))
            if not parsed:
                if skipped:
                    note = kept_note(self.path.name, position - skipped, position, "messages")
                    yield SyncBatch(
                        source=SOURCE,
                        remarks=[note],
                        done=position,
                        total=max(total, position),
                        cursor=str(position),
                    )
                return
            batch = SyncBatch(source=SOURCE, total=max(total, position + len(parsed)))
            for item in parsed:
                if item.message is not None:
                    batch.messages.append(item.message)
                else:
                    skipped += 1
                batch.signals.extend(item.signals)
                if item.warning:
                    batch.warnings.append(item.warning)
            position = parsed[-1].number or position + len(parsed)
            batch.done = position
            batch.cursor = str(position)
            yield batch


def count_csv_rows(path: Path) -> int:
    """Data rows in a CSV file (quoted line breaks included), for progress bars."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)


def _fill(pieces: Iterator[SyncBatch], batch: SyncBatch, size: int, *, skip: int) -> bool:
    """Add pieces to `batch` until it holds `size` items; `batch.done` counts the rows read.

    The first `skip` rows' pieces are read and dropped (an interrupted import wrote them).
    Returns True once the file is exhausted.
    """
    rows = 0
    for piece in pieces:
        rows += ROWS_PER_PIECE
        if rows <= skip:
            continue
        batch.extend(piece)
        if batch.size() >= size:
            batch.done = rows
            return False
    batch.done = rows
    return True


def _take(messages: Iterator[ParsedMessage], n: int) -> list[ParsedMessage]:
    """Messages until they carry `n` items (a message and its signals), as `SyncBatch.size`
    counts them: the chunk size a write asks for is in those units."""
    taken: list[ParsedMessage] = []
    items = 0
    for item in messages:
        taken.append(item)
        items += (item.message is not None) + len(item.signals)
        if items >= n:
            break
    return taken
