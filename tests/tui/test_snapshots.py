"""What the dashboard looks like, screen by screen, at 80x24 and 160x48: snapshots of the
real app against the demo daemon at its pinned clock (tests/tui/__snapshots__/, made with
`pytest --snapshot-update` and looked at before they were committed).

The tests are plain functions: `snap_compare` runs the app in its own event loop. Each
waits for the daemon's data before the picture is taken, and stops the text cursors from
blinking, so a picture depends on nothing but the demo and the code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from caseyos_cli.tui import modals
from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.detail import MoveDetail
from tests.conftest import DaemonProcess
from tests.tui.conftest import loaded, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
Snap = Callable[..., bool]


def steady(pilot: Pilot[Any]) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def after(key: str, shown: Callable[[Any], bool]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Load Today, press `key`, wait until `shown(screen)`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        if key:
            await pilot.press(key)
        await until(pilot, lambda: shown(pilot.app.screen), f"the screen after {key!r}")
        steady(pilot)
        screen = pilot.app.screen
        if isinstance(screen, MoveDetail):
            # The demo's move ids depend on the order its build wrote them in, which varies
            # from one build to the next; the picture shows a fixed one in their place.
            bar = screen.query_one("#topbar", Static)
            bar.update(str(bar.content).replace(f"move {screen.move_id} ", "move 1 "))
        await pilot.pause()

    return run_before


def detail_loaded(screen: Any) -> bool:
    if not isinstance(screen, MoveDetail):
        return False
    return "Loading" not in str(screen.query_one("#body", Static).render())


SCREENS = {
    "today": after("", lambda s: True),
    "snooze": after("s", lambda s: isinstance(s, modals.SnoozePicker)),
    "dismiss": after("d", lambda s: isinstance(s, modals.DismissReason)),
    "explain": after("e", lambda s: isinstance(s, modals.Explain)),
    "help": after("question_mark", lambda s: isinstance(s, modals.Help)),
    "detail": after("enter", detail_loaded),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(
    name: str, size: tuple[int, int], snap_compare: Snap, steady_demo_daemon: DaemonProcess
) -> None:
    app = Dashboard(start_daemon=False)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[name])
