"""System as it looks, at 80x24 and 160x48, on the demo with the clock pinned.

What is not the same from one run to the next is set before the picture is taken: the
daemon's pid and its uptime (elapsed real time, which no pinned clock fixes). Everything
else comes from the daemon as it is: times read relative to its pinned `now`.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.system import SystemScreen
from tests.conftest import DaemonProcess
from tests.tui.conftest import until


async def _system(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await until(pilot, lambda: app.screen.is_mounted, "the first screen")
    await pilot.press("4")
    await until(pilot, lambda: isinstance(app.screen, SystemScreen) and app.screen.loaded, "System")
    screen = app.screen
    assert isinstance(screen, SystemScreen)
    screen.status = {**screen.status, "pid": 4242, "uptime_seconds": 300.0}
    screen._show_daemon()
    await pilot.pause()


def test_system_80x24(snap_compare: Any, steady_demo_daemon: DaemonProcess) -> None:
    assert snap_compare(Dashboard(start_daemon=False), terminal_size=(80, 24), run_before=_system)


def test_system_160x48(snap_compare: Any, steady_demo_daemon: DaemonProcess) -> None:
    assert snap_compare(Dashboard(start_daemon=False), terminal_size=(160, 48), run_before=_system)
