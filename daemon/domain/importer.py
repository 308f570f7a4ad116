"""Importing a local file (CSV, mbox, ICS) as a job: records in chunks, then the agents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import ConnectorError, OperatorIdentity
from connectors.files.connector import FileConnector
from daemon.domain import agent_pass
from daemon.domain.sync import StreamReport, write_stream
from daemon.errors import InvalidParams
from daemon.store.models import ImportRecord

if TYPE_CHECKING:
    from daemon.jobs import JobRun


async def write_file(
    run: JobRun,
    path: Path,
    operator: OperatorIdentity,
    kind: str | None = None,
    phase: str = "importing",
) -> tuple[FileConnector, StreamReport]:
    """Write one file's records and signals through the files connector, in chunks."""
    if not path.is_file():
        raise InvalidParams(f"no such file: {path}", field="path")
    try:
        connector = await FileConnector.open(path, operator, run.state.clock.now(), kind)
        run.progress(phase=phase)
        report = await write_stream(run, connector, connector.stream, operator, keep_cursor=False)
    except ConnectorError as exc:
        raise InvalidParams(str(exc), field="path") from None
    except (OSError, UnicodeError) as exc:
        raise InvalidParams(f"cannot read {path}: {exc}", field="path") from None
    return connector, report


async def import_file(
    run: JobRun, path: Path, operator: OperatorIdentity, kind: str | None = None
) -> dict[str, Any]:
    """Write one file's records and signals, then let the agents work through the signals."""
    run.progress(phase="reading")
    connector, report = await write_file(run, path, operator, kind)
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
    await run.workspace.refresh_statistics()
    return {
        "path": str(path),
        "kind": connector.kind,
        "counts": counts,
        "warnings": report.warnings,
        "warning_count": report.warning_count,
        # Sentences on what the import kept of the file, where it was not everything.
        "notes": report.remarks,
        "queue": queue,
    }
