"""Records and Activity as they look at 80x24 and 160x48, on the demo with the clock
pinned (the screens show the daemon's time, never the wall clock)."""

from __future__ import annotations

from typing import Any

import pytest

from caseyos_cli.tui.activity import ActivityScreen
from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.records import RecordsScreen
from tests.conftest import DaemonProcess
from tests.tui.conftest import loaded, until

SIZES = [(80, 24), (160, 48)]


async def on_records(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("2")
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, RecordsScreen), "records")
    await until(pilot, lambda: app.screen.loaded, "contacts loaded")


async def on_deals(pilot: Any) -> None:
    await on_records(pilot)
    await pilot.press("d")
    app = pilot.app
    await until(pilot, lambda: app.screen.loaded and app.screen.kind.key == "d", "deals loaded")


async def on_activity(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("3")
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ActivityScreen), "activity")
    await until(pilot, lambda: app.screen.loaded, "signals loaded")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_records(steady_demo_daemon: DaemonProcess, snap_compare: Any, size: Any) -> None:
    app = Dashboard(start_daemon=False)
    assert snap_compare(app, terminal_size=size, run_before=on_records)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_deals(steady_demo_daemon: DaemonProcess, snap_compare: Any, size: Any) -> None:
    app = Dashboard(start_daemon=False)
    assert snap_compare(app, terminal_size=size, run_before=on_deals)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_activity(steady_demo_daemon: DaemonProcess, snap_compare: Any, size: Any) -> None:
    app = Dashboard(start_daemon=False)
    assert snap_compare(app, terminal_size=size, run_before=on_activity)
