"""Small real workspaces for the data agents' tests: files imported as an import job does,
and the daemon's pipeline pass over them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bench import corpus
from connectors.base import SyncBatch
from connectors.files.connector import FileConnector
from daemon.domain import pipeline, queue
from daemon.domain.ingest import Ingest, write_chunk
from daemon.store.models import Contact, Move
from tests.store_fixtures import Store


async def import_file(store: Store, path: Path, now: datetime, kind: str | None = None) -> None:
    """What an import job does: the connector's chunks, each in its own transaction."""
    op = corpus.operator()
    connector = await FileConnector.open(path, op, now, kind)
    job = Ingest(op, now, "files")
    batch: SyncBatch
    async for batch in connector.sync(connector.stream, None):
        async with store.transaction() as s:
            await write_chunk(job, s, batch)


async def agent_pass(store: Store, now: datetime) -> dict[str, object]:
    async with store.transaction() as s:
        return await pipeline.run(s, now)


async def moves(store: Store, agent: str | None = None, *, pending: bool = True) -> list[Move]:
    query = select(Move).order_by(Move.id)
    if agent is not None:
        query = query.where(Move.agent == agent)
    if pending:
        query = query.where(Move.status == queue.PENDING)
    async with store.transaction() as s:
        return list((await s.scalars(query)).all())


async def contact_ids(store: Store) -> dict[str, int]:
    async with store.transaction() as s:
        return {email: cid for cid, email in await s.execute(select(Contact.id, Contact.email))}
