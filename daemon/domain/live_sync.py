"""Syncing live connectors (HubSpot, Gmail, Calendar, Drive) into the operator's workspace.

One sync job runs one or more connectors one after another, each stream through
`sync.write_stream` (records and cursor committed together per chunk, so a crash resumes
where the last chunk ended), then one agent pass over what arrived. A connector that fails
does not stop the others: each one's outcome is in the job's result, and a grant that no
longer works marks its service *needs re-auth* so nothing retries it until the operator
logs in again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import Connector, ConnectorError, OperatorIdentity
from connectors.http import CircuitOpen, NeedsReauth
from connectors.live import LiveSpec
from daemon.domain import agent_pass, settings
from daemon.domain import knobs as knobs_
from daemon.domain.sync import write_stream
from daemon.store.models import SyncState

if TYPE_CHECKING:
    from daemon.jobs import JobRun

log = logging.getLogger(__name__)

# What each connector's outcome in a sync job's result is.
SYNCED, FAILED, NEEDS_REAUTH, PAUSED = "synced", "failed", "needs_reauth", "paused"


@dataclass
class Plan:
    """One connector to sync in a job: its spec and how to build it when its turn comes."""

    spec: LiveSpec
    build: Callable[[], Connector]


async def knobs(session: AsyncSession, spec: LiveSpec) -> dict[str, Any]:
    """A connector's settings: its declared defaults under what the operator set."""
    chosen = await settings.get(session, f"connectors.{spec.name}") or {}
    return {**spec.defaults, **{k: v for k, v in chosen.items() if k in spec.defaults}}


# Every connector's knob beside its own: how often the scheduler syncs it.
EVERY = "every_minutes"


def knob_names(spec: LiveSpec) -> list[str]:
    return [EVERY, *spec.defaults]


def parse_knob(spec: LiveSpec, knob: str, text: str) -> Any:
    """A knob's value from what the operator typed, in the type of its default: numbers,
    yes/no, or a comma-separated list. Raises ValueError saying what was expected."""
    if knob not in knob_names(spec):
        raise ValueError(
            f"{spec.name} has no setting {knob!r}; it has {', '.join(knob_names(spec))}"
        )
    return knobs_.parse_value(knob, spec.defaults.get(knob, 1.0), text, positive=knob == EVERY)


async def set_knob(session: AsyncSession, spec: LiveSpec, knob: str, value: Any) -> dict[str, Any]:
    """Store one knob; returns every knob the connector now has set."""
    chosen = dict(await settings.get(session, f"connectors.{spec.name}") or {})
    chosen[knob] = value
    await settings.put(session, f"connectors.{spec.name}", chosen)
    return chosen


async def forget_cursors(session: AsyncSession, connector: str) -> None:
    """A full sync starts each of the connector's streams from nothing."""
    await session.execute(
        update(SyncState).where(SyncState.connector == connector).values(cursor=None)
    )


async def sync_one(
    run: JobRun, plan: Plan, operator: OperatorIdentity, *, full: bool
) -> dict[str, Any]:
    """Every stream of one connector; its outcome (never raises for the connector's own
    failures: those are the outcome)."""
    name = plan.spec.name
    counts: dict[str, int] = {}
    connector: Connector | None = None
    try:
        connector = plan.build()
        if full:
            async with run.chunk() as uow:
                await forget_cursors(uow.session, name)
        for stream in connector.streams():
            run.progress(phase=f"{name} {stream}", done=0, total=None)
            report = await write_stream(run, connector, stream, operator)
            for kind, n in report.counts.items():
                counts[kind] = counts.get(kind, 0) + n
            run.check()
    except NeedsReauth as exc:
        return {"status": NEEDS_REAUTH, "counts": counts, "error": str(exc), "detail": exc.detail}
    except CircuitOpen as exc:
        return {"status": PAUSED, "counts": counts, "error": str(exc)}
    except ConnectorError as exc:
        log.warning("sync of %s failed: %s", name, exc)
        return {"status": FAILED, "counts": counts, "error": str(exc)}
    finally:
        if connector is not None:
            await connector.aclose()
    return {"status": SYNCED, "counts": counts, "error": None}


async def sync_all(
    run: JobRun,
    plans: Sequence[Plan],
    operator: OperatorIdentity,
    *,
    full: bool,
    on_outcome: Callable[[str, dict[str, Any]], None],
) -> dict[str, Any]:
    """Each planned connector in turn, then one agent pass if anything arrived."""
    outcomes: dict[str, dict[str, Any]] = {}
    for plan in plans:
        outcome = await sync_one(run, plan, operator, full=full)
        outcomes[plan.spec.name] = outcome
        on_outcome(plan.spec.name, outcome)
    arrived = sum(n for o in outcomes.values() for n in o["counts"].values())
    queue = await agent_pass.run_all(run) if arrived else None
    if arrived:
        await run.workspace.refresh_statistics()
    return {"connectors": outcomes, "queue": queue}


@dataclass
class StreamState:
    stream: str
    records: int
    cursor_at: datetime | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None


async def stream_states(session: AsyncSession) -> dict[str, list[StreamState]]:
    """Every live connector's streams as stored, by connector (the files connector's are
    imports, not syncs, and are left out)."""
    rows = await session.scalars(
        select(SyncState)
        .where(SyncState.connector != "files")
        .order_by(SyncState.connector, SyncState.stream)
    )
    found: dict[str, list[StreamState]] = {}
    for row in rows:
        found.setdefault(row.connector, []).append(
            StreamState(
                stream=row.stream,
                records=row.records,
                cursor_at=row.updated_at if row.cursor else None,
                last_attempt_at=row.last_attempt_at,
                last_success_at=row.last_success_at,
                last_error_at=row.last_error_at,
                last_error=row.last_error,
            )
        )
    return found


def state_of(now: dict[str, Any], streams: Sequence[StreamState], failing: bool) -> str:
    """One word for how a connector is doing, most pressing first."""
    if not now["connected"]:
        return "not connected"
    if now["needs_reauth"]:
        return "needs re-auth"
    if now["running_job"]:
        return "syncing"
    if now["circuit"] != "closed":
        return "paused"
    if failing:
        return "failing"
    if not streams or any(s.last_success_at is None for s in streams):
        return "never synced"
    return "ok"
