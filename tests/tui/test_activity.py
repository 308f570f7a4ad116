"""Activity against a real daemon: the newest signals first, as the daemon lists them; the
kind filter narrows them through the daemon; paging as the cursor goes down; and signals
an import brings in show up on their own, on top, with the cursor kept on its signal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from caseyos_cli.tui.activity import PAGE, SINCE, ActivityScreen
from caseyos_cli.tui.app import Dashboard
from tests.conftest import DaemonProcess
from tests.mailfixtures import write_contacts_csv
from tests.tui.conftest import loaded, until


def activity(app: Dashboard) -> ActivityScreen:
    screen = app.screen
    assert isinstance(screen, ActivityScreen), screen
    return screen


def keys(screen: ActivityScreen) -> list[str]:
    t = screen.query_one("#signals", DataTable)
    return [str(t.coordinate_to_cell_key((n, 0)).row_key.value) for n in range(t.row_count)]


async def open_activity(pilot: Any) -> ActivityScreen:
    await loaded(pilot)
    await pilot.press("3")
    await until(pilot, lambda: isinstance(pilot.app.screen, ActivityScreen), "activity")
    screen = activity(pilot.app)
    await until(pilot, lambda: screen.loaded, "signals loaded")
    return screen


async def test_newest_first_kind_filter_and_paging(steady_demo_daemon: DaemonProcess) -> None:
    newest = steady_demo_daemon.call("signals.list", {"limit": PAGE, "since": SINCE})
    stats = steady_demo_daemon.call("signals.stats", {"since": SINCE})
    assert newest["total"] > PAGE  # the demo has more than a page: paging is exercised
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_activity(pilot)
        assert keys(screen) == [str(s["id"]) for s in newest["signals"]]

        await pilot.press("ctrl+end")  # near the end of the page: the next one loads
        await until(pilot, lambda: len(keys(screen)) > PAGE, "the second page")
        every = steady_demo_daemon.call("signals.list", {"limit": 2 * PAGE, "since": SINCE})
        assert keys(screen) == [str(s["id"]) for s in every["signals"]][: len(keys(screen))]

        first = sorted(stats["by_kind"])[0]
        await pilot.press("k")
        await until(pilot, lambda: screen.loaded and screen.kind == first, "one kind")
        assert {s["kind"] for s in screen.signals.values()} == {first}
        assert len(keys(screen)) == stats["by_kind"][first]

        await pilot.press("k")
        second = sorted(stats["by_kind"])[1]
        await until(pilot, lambda: screen.loaded and screen.kind == second, "the next kind")
        assert len(keys(screen)) == stats["by_kind"][second]

        await pilot.press("K")
        await until(pilot, lambda: screen.loaded and screen.kind is None, "every kind")
        assert keys(screen) == [str(s["id"]) for s in newest["signals"]]


def people(path: Path, first: int, count: int, created: str) -> Path:
    return write_contacts_csv(
        path,
        [
            {
                "Record ID": str(n),
                "First Name": f"Person{n}",
                "Last Name": "Example",
                "Email": f"person{n}@example.org",
                "Company Name": "Example Org",
                "Lifecycle Stage": "lead",
                "Create Date": created,
            }
            for n in range(first, first + count)
        ],
    )


async def test_an_import_shows_up_live_on_top(blank_daemon: DaemonProcess, tmp_path: Path) -> None:
    await asyncio.to_thread(
        blank_daemon.run_job,
        "import.file",
        {"path": str(people(tmp_path / "a.csv", 1, 3, "2026-11-24 10:00"))},
    )
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_activity(pilot)
        before = keys(screen)
        assert before
        await pilot.press("down")
        table = screen.query_one("#signals", DataTable)
        kept = before[table.cursor_row]

        second = str(people(tmp_path / "b.csv", 10, 2, "2026-11-25 09:00"))
        await asyncio.to_thread(blank_daemon.run_job, "import.file", {"path": second})
        # The import is over: what the daemon lists now is what the screen must come to
        # show (the new signals may arrive in more than one event).
        now = blank_daemon.call("signals.list", {"limit": PAGE, "since": SINCE})
        wanted = [str(s["id"]) for s in now["signals"]]
        assert len(wanted) > len(before)
        await until(pilot, lambda: keys(screen) == wanted, "the new signals, unasked")
        assert keys(screen)[-len(before) :] == before  # the new ones went on top
        assert keys(screen)[table.cursor_row] == kept
