"""The dashboard under test: the real app, headless (Textual's pilot), against a real
daemon on a temp socket with the demo workspace and a pinned clock.

`until(pilot, condition)` lets the app run until a condition holds: the dashboard loads
and updates through the daemon, so a test waits for what it expects to see instead of
sleeping a fixed time; `DEADLINE` turns a dashboard that never gets there into a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.today import TodayScreen

DEADLINE = 15.0


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> float:
    """Run the app until `condition()`; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > DEADLINE:
            raise AssertionError(f"the dashboard never got there: {what}")
        await pilot.pause(0.02)
    return time.monotonic() - start


def today(app: Dashboard) -> TodayScreen:
    screen = app.screen
    assert isinstance(screen, TodayScreen), screen
    return screen


def table(app: Dashboard) -> DataTable[Any]:
    return today(app).query_one("#moves", DataTable)


async def loaded(pilot: Pilot[Any]) -> TodayScreen:
    """Wait for Today's first full load."""
    app = pilot.app
    assert isinstance(app, Dashboard)
    await until(pilot, lambda: isinstance(app.screen, TodayScreen) and today(app).loaded, "loaded")
    return today(app)


def row_keys(app: Dashboard) -> list[str]:
    t = table(app)
    return [str(t.coordinate_to_cell_key((n, 0)).row_key.value) for n in range(t.row_count)]


def cursor_move(app: Dashboard) -> dict[str, Any]:
    move = today(app)._current()
    assert move is not None
    return move


def screen_text(app: Dashboard) -> str:
    """What the screen shows, as text (from Textual's own screenshot), one string."""
    import html
    import re

    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", t)).replace("\xa0", " ") for t in lines)
