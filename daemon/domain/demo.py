"""The bundled demo workspace: built relative to today, loaded through the import path.

The demo lives in its own database (`demo` workspace), so it never mixes with the
operator's data; it is rebuilt when the local date changes, so it never goes stale.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from connectors.demo import build_demo
from daemon.domain import importer, settings
from daemon.workspaces import DEMO

if TYPE_CHECKING:
    from daemon.state import DaemonState

ANCHOR = "demo.anchor_date"


async def anchor(state: DaemonState) -> str | None:
    ws = await state.workspaces.open(DEMO)
    async with ws.session() as session:
        value = await settings.get(session, ANCHOR)
    return str(value) if value else None


async def load(state: DaemonState, *, reset: bool = False) -> dict[str, Any]:
    """Make the demo workspace active, building it first when missing or when `reset`."""
    manager = state.workspaces
    if reset:
        await manager.delete(DEMO)
    now = state.clock.now()
    result: dict[str, Any] = {"workspace": DEMO, "rebuilt": False}
    if await anchor(state) is None:
        ws = await manager.open(DEMO)
        with tempfile.TemporaryDirectory(prefix="caseyos-demo-") as tmp:
            demo = build_demo(Path(tmp), now)
            async with ws.transaction() as session:
                await settings.put_operator(session, demo.operator)
                for key, value in demo.settings.items():
                    await settings.put(session, key, value)
            imported = await importer.import_files(ws, demo.files, demo.operator, now)
        local_day = now.astimezone(ZoneInfo(demo.operator.timezone)).date().isoformat()
        async with ws.transaction() as session:
            await settings.put(session, ANCHOR, local_day)
        result.update(
            rebuilt=True,
            anchor_date=local_day,
            queue=imported["queue"],
            files=[{"kind": f["kind"], "counts": f["counts"]} for f in imported["files"]],
        )
    await manager.use(DEMO)
    state.bus.publish("workspace.changed", {"workspace": DEMO})
    return result


async def ensure_fresh(state: DaemonState) -> None:
    """Build the demo if missing, rebuild it when its dates were computed for another day.

    Runs on every tick while the demo is active, so a fresh demo costs one read and
    publishes nothing.
    """
    ws = await state.workspaces.open(DEMO)
    async with ws.session() as session:
        tz = await settings.timezone(session)
        current = await settings.get(session, ANCHOR)
    today = state.clock.now().astimezone(tz).date().isoformat()
    if current is None or str(current) != today:
        await load(state, reset=current is not None)
