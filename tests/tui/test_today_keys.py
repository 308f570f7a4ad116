"""Today's keys, pressed as an operator would, against a real daemon on the demo: each
one's effect is checked in the daemon, not only on screen."""

from __future__ import annotations

from typing import Any

from caseyos_cli.tui.app import Dashboard
from tests.conftest import DaemonProcess
from tests.tui.conftest import cursor_move, loaded, row_keys, table, until


def status_of(daemon: DaemonProcess, move_id: int) -> str:
    return str(daemon.call("queue.show", {"id": move_id})["move"]["status"])


async def test_today_lists_the_daemons_moves_best_first(daemon: DaemonProcess) -> None:
    expected = daemon.call("queue.today", {"limit": 1000})
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert row_keys(app) == [str(m["id"]) for m in expected["moves"]]
        assert cursor_move(app)["id"] == expected["moves"][0]["id"]


async def test_accept_done_and_dismiss_with_a_reason(daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        first = cursor_move(app)["id"]
        await pilot.press("a")
        await until(pilot, lambda: screen.moves[str(first)]["status"] == "accepted", "accepted")
        assert status_of(daemon, first) == "accepted"
        await pilot.press("x")
        await until(pilot, lambda: screen.moves[str(first)]["status"] == "done", "done")
        assert status_of(daemon, first) == "done"

        await pilot.press("down")
        second = cursor_move(app)["id"]
        assert second != first
        await pilot.press("d")
        await pilot.press(*"not this quarter", "enter")
        await until(pilot, lambda: screen.moves[str(second)]["status"] == "dismissed", "dismissed")
        shown: dict[str, Any] = daemon.call("queue.show", {"id": second})
        assert shown["move"]["status_reason"] == "not this quarter"
        # The decided rows stay on screen, marked, with the cursor where it was.
        assert str(first) in row_keys(app) and str(second) in row_keys(app)
        assert cursor_move(app)["id"] == second
        assert str(table(app).get_cell(str(first), "status")) == "●"
