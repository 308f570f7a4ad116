"""Importing a local file (CSV, mbox, ICS) as a job: records in chunks, then the agents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import ConnectorError, OperatorIdentity
from connectors.files.connector import FileConnector
from daemon.domain import agent_pass
from daemon.domain.sync import write_stream
from daemon.errors import InvalidParams
from daemon.store.engine import refresh_statistics
from daemon.store.models import ImportRecord

if TYPE_CHECKING:
    from daemon.jobs import JobRun


async def open_file(
    path: Path, operator: OperatorIdentity, run: JobRun, kind: str | None
) -> FileConnector:
    if not path.is_file():
        raise InvalidParams(f"no such file: {path}", field="path")
    try:
        return await FileConnector.open(path, operator, run.state.clock.now(), kind)
    except ConnectorError as exc:
        raise InvalidParams(str(exc), field="path") from None
    except (OSError, UnicodeError) as exc:
        raise InvalidParams(f"cannot read {path}: {exc}", field="path") from None


async def import_file(
    run: JobRun, path: Path, operator: OperatorIdentity, kind: str | None = None
) -> dict[str, Any]:
    """Write one file's records and signals, then let the agents work through the signals."""
    run.progress(phase="reading")
    connector = await open_file(path, operator, run, kind)
    run.progress(phase="importing")
    try:
        report = await write_stream(run, connector, connector.stream, operator, keep_cursor=False)
    except ConnectorError as exc:
        raise InvalidParams(str(exc), field="path") from None
    counts = dict(report.counts)
    async with run.chunk() as uow:
        uow.session.add(
            ImportRecord(
                kind=connector.kind,
                path=str(path),
                sha256=connector.sha256,
                counts=counts,
                imported_at=run.state.clock.now(),
            )
        )
    queue = await agent_pass.run_all(run)
    async with run.workspace.write_lock:
        await refresh_statistics(run.workspace.write_engine)
    return {
        "path": str(path),
        "kind": connector.kind,
        "counts": counts,
        "warnings": report.warnings,
        "warning_count": report.warning_count,
        "queue": queue,
    }
