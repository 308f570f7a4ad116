"""Today's keys, pressed as an operator would, against a real daemon on the demo: each
one's effect is checked in the daemon, not only on screen."""

from __future__ import annotations

from typing import Any

from caseyos_cli.tui.app import Dashboard
from tests.conftest import DaemonProcess
from tests.tui.conftest import cursor_move, loaded, row_keys, screen_text, table, until


def status_of(daemon: DaemonProcess, move_id: int) -> str:
    return str(daemon.call("queue.show", {"id": move_id})["move"]["status"])


async def test_today_lists_the_daemons_moves_best_first(
    steady_demo_daemon: DaemonProcess,
) -> None:
    expected = steady_demo_daemon.call("queue.today", {"limit": 1000})
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


async def test_snooze_from_the_picker_and_a_custom_time_the_daemon_refuses(
    daemon: DaemonProcess,
) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        first = cursor_move(app)["id"]
        await pilot.press("s", "down", "enter")  # Tomorrow 9am
        await until(pilot, lambda: screen.moves[str(first)]["status"] == "snoozed", "snoozed")
        shown = daemon.call("queue.show", {"id": first})["move"]
        # Thursday 26 Nov, 9:00 in New York: the pinned clock is Wednesday 10:00.
        assert shown["snoozed_until"] == "2026-11-26T14:00:00+00:00"

        await pilot.press("down")
        second = cursor_move(app)["id"]
        await pilot.press("s", "up", "enter")  # Custom…
        await pilot.press(*"someday", "enter")

        def asks_again() -> bool:
            errors = app.screen.query("#error")
            return bool(errors) and "could not understand 'someday'" in str(errors[0].render())

        await until(pilot, asks_again, "the picker asks again, saying why")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back on Today")
        assert status_of(daemon, second) == "pending", "a refused time changes nothing"


async def test_explain_open_and_back(steady_demo_daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        move = cursor_move(app)
        await pilot.press("e")
        await until(pilot, lambda: type(app.screen).__name__ == "Explain", "explain")
        shot = screen_text(app)
        assert "revenue" in shot and "urgency" in shot and "learned" in shot
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "explain closed")
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "MoveDetail", "detail")
        await until(pilot, lambda: move["title"] in screen_text(app), "the move's title")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back from detail")


async def test_the_mouse_picks_a_row_opens_it_and_clicks_the_footer(
    steady_demo_daemon: DaemonProcess,
) -> None:
    from textual.widgets._footer import FooterKey

    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        third = row_keys(app)[2]
        # The table's first line is its header: the third row is on its fourth line.
        await pilot.click("#moves", offset=(12, 3))
        assert str(cursor_move(app)["id"]) == third
        await until(pilot, lambda: screen.moves[third]["title"] in screen_text(app), "preview")
        await pilot.click("#moves", offset=(12, 3))  # the highlighted row again: open it
        await until(pilot, lambda: type(app.screen).__name__ == "MoveDetail", "detail")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back from detail")

        why = next(k for k in screen.query(FooterKey) if k.action == "explain")
        await pilot.click(why)
        await until(pilot, lambda: type(app.screen).__name__ == "Explain", "explain by click")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "explain closed")
        assert str(cursor_move(app)["id"]) == third


async def test_filter_as_you_type_and_escape_clears(steady_demo_daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        everything = row_keys(app)
        await pilot.press("slash", *"harborline")
        await until(pilot, lambda: len(row_keys(app)) < len(everything), "filtered")
        kept = [screen.moves[k] for k in row_keys(app)]
        assert kept and all("harborline" in (m["title"] + m["why_now"]).lower() for m in kept)
        await pilot.press("escape")
        await until(pilot, lambda: row_keys(app) == everything, "filter cleared")


async def test_every_action_is_in_the_command_palette(steady_demo_daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        titles = {c.title for c in app.get_system_commands(screen)}
        for wanted in (
            "Today",
            "Help",
            "Accept the move",
            "Dismiss the move",
            "Snooze the move",
            "Mark the move done",
            "Undo the last action",
            "Why this score",
            "Open the move",
            "Filter the moves",
        ):
            assert wanted in titles, wanted
        await pilot.press("question_mark")
        await until(pilot, lambda: type(app.screen).__name__ == "Help", "help")


async def test_light_and_dark(steady_demo_daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        dark = app.theme
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light" != dark
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_other_clients_changes_merge_in_place_and_the_cursor_stays(
    daemon: DaemonProcess,
) -> None:
    """Decisions made elsewhere change their rows in place; a reload (here: a move added
    by another client) drops what the daemon no longer lists, keeps accepted moves, adds
    the new one, and leaves the cursor on the move it was on."""
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        keys = row_keys(app)
        await pilot.press("down", "down", "down", "down", "down")
        here = cursor_move(app)["id"]
        dismissed, accepted = int(keys[2]), int(keys[3])
        daemon.call("queue.dismiss", {"id": dismissed})
        daemon.call("queue.accept", {"id": accepted})
        await until(
            pilot,
            lambda: (
                screen.moves[keys[2]]["status"] == "dismissed"
                and screen.moves[keys[3]]["status"] == "accepted"
            ),
            "both rows changed in place",
        )
        assert row_keys(app) == keys, "in place: no row moved or went yet"
        added = daemon.call("queue.add", {"title": "Call Dana about the MSA", "due": "today"})
        new = str(added["move"]["id"])
        await until(pilot, lambda: new in row_keys(app), "the new move is in")
        assert keys[2] not in row_keys(app), "dismissed elsewhere: gone at the reload"
        assert keys[3] in row_keys(app), "accepted: yours to do, it stays"
        assert cursor_move(app)["id"] == here


async def test_undo_takes_back_the_last_action(daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("u")  # nothing done yet: says so, changes nothing
        first = cursor_move(app)["id"]
        await pilot.press("d", "enter")
        await until(pilot, lambda: screen.moves[str(first)]["status"] == "dismissed", "dismissed")
        await pilot.press("u")
        await until(pilot, lambda: screen.moves[str(first)]["status"] == "pending", "undone")
        shown = daemon.call("queue.show", {"id": first})
        assert shown["move"]["status"] == "pending"
        assert [h["to_status"] for h in shown["history"]] == ["pending"], "as if never dismissed"
        await pilot.press("u")  # twice: the daemon refuses, the row stays as it is
        await pilot.pause(0.3)
        assert screen.moves[str(first)]["status"] == "pending"


async def test_keys_typed_in_one_burst_after_slash_go_to_the_filter(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """`/owen` typed fast (as a terminal delivers a paste or a quick typist): the letters
    are the filter's words, and `e` opens no explain box."""
    from textual import events
    from textual.widgets import Input

    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert app._driver is not None
        for key in ("slash", "o", "w", "e", "n"):
            event = events.Key(key, "/" if key == "slash" else key)
            event.set_sender(app)
            app._driver.send_message(event)
        field = screen.query_one("#filter", Input)
        await until(pilot, lambda: field.value == "owen", "the filter holds the burst")
        assert app.screen is screen
        await until(pilot, lambda: screen.words == ["owen"], "filtered")
        assert all(
            "owen" in screen.moves[k]["title"].lower() + screen.moves[k]["why_now"].lower()
            for k in row_keys(app)
        )
