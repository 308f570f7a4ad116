"""External ids follow the record: a row deleted here is written anew once, not on every import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bench import corpus
from connectors.files import parse_file
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import Deal, ExternalId
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def _import(store: Store, path: Path) -> dict[str, int]:
    op = corpus.operator()
    job = Ingest(op, NOW, "files")
    async with store.transaction() as s:
        report = await write_chunk(job, s, parse_file(path, op, now=NOW))
    return report.as_dict()


async def test_a_deal_deleted_here_comes_back_once_and_its_external_id_follows(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    stats = corpus.write_deals_csv(path, 30)
    first = await _import(store, path)
    assert first["deals"] == stats.rows
    async with store.transaction() as s:
        gone = await s.scalar(select(Deal.id).order_by(Deal.id).limit(1))
        await s.execute(delete(Deal).where(Deal.id == gone))

    again = await _import(store, path)
    assert again.get("deals") == 1  # the deleted one, written anew
    async with store.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Deal)) == stats.rows
        linked = set(
            (await s.scalars(select(ExternalId.entity_id).where(ExternalId.entity == "deal"))).all()
        )
        assert gone not in linked
        assert linked == set((await s.scalars(select(Deal.id))).all())

    third = await _import(store, path)
    assert third.get("deals") is None
