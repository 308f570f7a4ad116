"""Importing local files (CSV, mbox, ICS) into a workspace: parse off the loop, write once."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import ConnectorError, OperatorIdentity, SyncBatch
from connectors.files import detect_kind, parse_file
from daemon.domain import pipeline
from daemon.domain.ingest import ingest
from daemon.errors import InvalidParams
from daemon.store.engine import refresh_statistics
from daemon.store.models import ImportRecord

if TYPE_CHECKING:
    from daemon.workspaces import Workspace


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _parse(
    path: Path, operator: OperatorIdentity, kind: str | None, now: datetime
) -> tuple[str, str, SyncBatch]:
    resolved = kind or detect_kind(path)
    return resolved, _sha256(path), parse_file(path, operator, kind=resolved, now=now)


async def parse(
    path: Path, operator: OperatorIdentity, kind: str | None, now: datetime
) -> tuple[str, str, SyncBatch]:
    """Parse in a worker thread: a large mbox must not stall the daemon's loop."""
    if not path.is_file():
        raise InvalidParams(f"no such file: {path}", field="path")
    try:
        return await asyncio.to_thread(_parse, path, operator, kind, now)
    except ConnectorError as exc:
        raise InvalidParams(str(exc), field="path") from None
    except (OSError, UnicodeError) as exc:
        raise InvalidParams(f"cannot read {path}: {exc}", field="path") from None


async def write(
    session: AsyncSession,
    path: Path,
    kind: str,
    sha: str,
    batch: SyncBatch,
    operator: OperatorIdentity,
    now: datetime,
) -> dict[str, Any]:
    report = await ingest(session, batch, operator, now)
    counts = report.as_dict()
    session.add(ImportRecord(kind=kind, path=str(path), sha256=sha, counts=counts, imported_at=now))
    return {"path": str(path), "kind": kind, "counts": counts, "warnings": batch.warnings}


async def import_files(
    ws: Workspace, paths: list[Path], operator: OperatorIdentity, now: datetime
) -> dict[str, Any]:
    """Parse every file, then write them all and run the pipeline in one transaction."""
    parsed = [(p, *await parse(p, operator, None, now)) for p in paths]
    async with ws.transaction() as session:
        files = [
            await write(session, p, kind, sha, batch, operator, now)
            for p, kind, sha, batch in parsed
        ]
        queue_report = await pipeline.run(session, now)
    await refresh_statistics(ws.write_engine)
    return {"files": files, "queue": queue_report}
