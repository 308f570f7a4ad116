"""Today's filter, typed as an operator would, against a real demo daemon: the table shows
exactly the matching moves in the daemon's order as each key lands, and escape brings back
every row. The table rebuilds its rows in one pass when the set shown changes and updates
cells in place when it does not; both paths are checked here."""

from __future__ import annotations

from typing import Any

from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.moves import haystack
from tests.conftest import DaemonProcess
from tests.tui.conftest import loaded, row_keys, table, until


def matching(moves: list[dict[str, Any]], text: str) -> list[str]:
    words = text.lower().split()
    return [str(m["id"]) for m in moves if all(w in haystack(m) for w in words)]


async def test_the_filter_follows_each_key_and_escape_restores_the_list(
    daemon: DaemonProcess,
) -> None:
    moves = daemon.call("queue.today", {"limit": 1000})["moves"]
    everything = [str(m["id"]) for m in moves]
    name = moves[1]["contact"]["name"]
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert row_keys(app) == everything
        await pilot.press("slash")
        typed = ""
        for ch in name.lower():
            typed += ch
            await pilot.press("space" if ch == " " else ch)
            want = matching(moves, typed)
            await until(pilot, lambda want=want: row_keys(app) == want, f"rows for {typed!r}")
        assert 0 < len(row_keys(app)) < len(everything)
        assert screen._current() is not None
        assert screen._current()["id"] == int(row_keys(app)[0])

        # A move changed elsewhere while the filter is on: its row changes in place.
        target = row_keys(app)[0]
        daemon.call("queue.accept", {"id": int(target)})
        await until(pilot, lambda: str(table(app).get_cell(target, "status")) == "✓", "marked")
        assert row_keys(app) == matching(moves, typed)

        await pilot.press(*"zzz")
        await until(pilot, lambda: table(app).row_count == 0, "no rows for nonsense")
        for _ in "zzz":
            await pilot.press("backspace")
        await until(pilot, lambda: row_keys(app) == matching(moves, typed), "rows back")

        await pilot.press("escape")
        await until(pilot, lambda: row_keys(app) == everything, "every row back")
        assert app.focused is table(app)
