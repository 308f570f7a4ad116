"""HubSpot's logged emails are Gmail's messages (`daemon/domain/ingest/same.py`), a chunk at a
time: hundreds matched with a bounded number of lookups, nearest in time within the window,
each stored message taken by one HubSpot email at most."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.base import MessageRecord, OperatorIdentity, SyncBatch
from connectors.files._common import mail_signals
from connectors.hubspot import mapping
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import ExternalId, Message, RecordSource, Signal
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)
OP = OperatorIdentity("Casey Morgan", ("casey@northwind.example",), ("northwind.example",))
N = 300


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


def gmail(n: int, at: datetime) -> MessageRecord:
    return MessageRecord(
        message_id=f"m{n}@acme.example",
        thread_key=f"gm-{n}",
        thread_from_source=True,
        from_addr=f"p{n % 40}@acme.example",
        sent_at=at,
        direction="inbound",
        subject=f"Question {n}",
        to=["casey@northwind.example"],
    )


def hubspot(n: int, at: datetime, subject: str | None = None) -> dict[str, Any]:
    stamp = int(at.timestamp() * 1000)
    return {
        "id": str(9000 + n),
        "createdAt": stamp,
        "properties": {
            "hs_email_subject": subject if subject is not None else f"question  {n}",
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_status": "SENT",
            "hs_email_from_email": f"p{n % 40}@acme.example",
            "hs_email_to_email": "casey@northwind.example",
            "hs_timestamp": str(stamp),
        },
    }


async def _write(store: Store, source: str, recs: list[MessageRecord], sigs: list[Any]) -> None:
    job = Ingest(OP, NOW, source)
    async with store.transaction() as s:
        await write_chunk(job, s, SyncBatch(source=source, messages=recs, signals=sigs))


async def test_a_chunk_of_hubspot_emails_joins_the_gmail_rows_with_bounded_lookups(
    store: Store,
) -> None:
    base = NOW - timedelta(days=3)
    mails = [gmail(n, base + timedelta(minutes=5 * n)) for n in range(N)]
    await _write(store, "gmail", mails, [s for m in mails for s in mail_signals(m, OP)])

    logged = []
    for n in range(N):
        # A few seconds off, like a BCC copy; one in ten is another email at the same time.
        subject = "Something else" if n % 10 == 0 else None
        found = mapping.email(
            hubspot(n, base + timedelta(minutes=5 * n, seconds=30), subject),
            mapping.Links(),
            mapping.Lookups(),
            OP,
        )
        assert found is not None
        logged.append(found)
    with store.counting() as statements:
        await _write(store, "hubspot", [m for m, _ in logged], [s for _, ss in logged for s in ss])
    reads = [q for q in statements if q.lstrip().startswith("SELECT") and "FROM messages" in q]
    assert len(reads) <= 3, reads  # not one per email

    async with store.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == N + N // 10
        received = await s.scalar(
            select(func.count()).select_from(Signal).where(Signal.kind == "email.received")
        )
        assert received == N + N // 10
        linked = await s.scalar(
            select(func.count())
            .select_from(ExternalId)
            .where(ExternalId.connector == "hubspot", ExternalId.entity == "message")
        )
        assert linked == N
        both = await s.scalar(
            select(func.count())
            .select_from(RecordSource)
            .where(RecordSource.entity == "message", RecordSource.source == "hubspot")
        )
        assert both == N


async def test_the_nearest_message_in_time_is_the_one_and_each_is_taken_once(
    store: Store,
) -> None:
    at = NOW - timedelta(hours=1)
    early = gmail(1, at)
    late = gmail(2, at + timedelta(seconds=90))
    late.subject, late.from_addr = early.subject, early.from_addr
    await _write(store, "gmail", [early, late], [])

    def logged(n: int, when: datetime) -> MessageRecord:
        found = mapping.email(
            hubspot(1, when) | {"id": str(n)}, mapping.Links(), mapping.Lookups(), OP
        )
        assert found is not None
        return found[0]

    # Two logged copies: the one nearer the later message takes it, the other the earlier.
    near_late = logged(71, at + timedelta(seconds=80))
    near_early = logged(72, at + timedelta(seconds=50))
    await _write(store, "hubspot", [near_late, near_early], [])
    async with store.transaction() as s:
        rows = dict(
            (
                await s.execute(
                    select(ExternalId.external_id, Message.message_id)
                    .join(Message, Message.id == ExternalId.entity_id)
                    .where(ExternalId.entity == "message")
                )
            ).all()
        )
        assert await s.scalar(select(func.count()).select_from(Message)) == 2
    assert rows == {"71": late.message_id, "72": early.message_id}
