"""The files connector as a stream: every record once, in chunks, resumable from a cursor."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import corpus
from connectors.base import SyncBatch
from connectors.files import parse_file
from connectors.files.connector import FileConnector

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)


async def _drain(conn: FileConnector, cursor: str | None) -> list[SyncBatch]:
    return [batch async for batch in conn.sync(conn.stream, cursor)]


def _emails(batches: list[SyncBatch]) -> list[str]:
    return [c.email for b in batches for c in b.contacts]


@pytest.mark.parametrize("kind", ["contacts_csv", "mbox"])
async def test_stream_hands_over_what_the_parser_finds_in_chunks(tmp_path: Path, kind: str) -> None:
    path = tmp_path / ("c.csv" if kind == "contacts_csv" else "m.mbox")
    if kind == "contacts_csv":
        corpus.write_contacts_csv(path, 1000)
    else:
        corpus.write_mbox(path, 300)
    whole = parse_file(path, corpus.operator(), now=NOW)
    conn = await FileConnector.open(path, corpus.operator(), NOW)
    conn.chunk_size = 120
    batches = await _drain(conn, None)
    assert len(batches) >= 3, "handed over in chunks"
    assert all(b.total for b in batches) and batches[-1].done == batches[-1].total
    assert [int(b.cursor or 0) for b in batches] == sorted(int(b.cursor or 0) for b in batches)
    assert _emails(batches) == [c.email for c in whole.contacts]
    assert [m.message_id for b in batches for m in b.messages] == [
        m.message_id for m in whole.messages
    ]
    assert sum(len(b.signals) for b in batches) == len(whole.signals)
    assert sum(len(b.warnings) for b in batches) == len(whole.warnings)


async def test_a_csv_stream_resumes_after_its_cursor(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    corpus.write_contacts_csv(path, 1000)
    conn = await FileConnector.open(path, corpus.operator(), NOW)
    conn.chunk_size = 150
    batches = await _drain(conn, None)
    cut = len(batches) // 2
    resumed = await _drain(conn, batches[cut].cursor)
    assert _emails(resumed) == _emails(batches[cut + 1 :])
    assert resumed[-1].done == batches[-1].done
