"""Records against a real demo daemon: searching finds the demo's people, companies and
deals through the daemon; enter opens a record with its linked moves; a linked move opens
the move's detail, which shows the thread's messages and the meeting's attendees."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Static

from caseyos_cli.records import money
from caseyos_cli.tui import records
from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.detail import MoveDetail
from caseyos_cli.tui.record_detail import RecordDetail
from caseyos_cli.tui.records import RecordsScreen
from tests.conftest import DaemonProcess
from tests.tui.conftest import loaded, until
from tests.tui.screen_text import plain


def body_text(app: Dashboard) -> str:
    """The move detail's body as text ('' until it is composed)."""
    found = app.screen.query("#body")
    return plain(found.first(Static)) if found else ""


def records_screen(app: Dashboard) -> RecordsScreen:
    screen = app.screen
    assert isinstance(screen, RecordsScreen), screen
    return screen


def names(screen: RecordsScreen) -> list[str]:
    return [str(r.get("name") or r.get("title") or r.get("subject")) for r in screen.records]


async def open_records(pilot: Any) -> RecordsScreen:
    await loaded(pilot)
    await pilot.press("2")
    await until(pilot, lambda: isinstance(pilot.app.screen, RecordsScreen), "records")
    screen = records_screen(pilot.app)
    await until(pilot, lambda: screen.loaded, "contacts loaded")
    return screen


async def test_search_a_contact_open_it_and_its_linked_move(
    steady_demo_daemon: DaemonProcess,
) -> None:
    dana = steady_demo_daemon.call("contacts.show", {"ref": "dana.reyes@harborline.example"})
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_records(pilot)
        every = steady_demo_daemon.call("contacts.list", {"limit": 50})
        assert len(screen.records) == every["total"]
        await pilot.press("slash", *"reyes")
        await until(pilot, lambda: names(screen) == ["Dana Reyes"], "the search found Dana")
        await pilot.press("enter", "enter")
        await until(pilot, lambda: isinstance(app.screen, RecordDetail), "Dana's detail")
        detail = app.screen
        assert isinstance(detail, RecordDetail)
        await until(pilot, lambda: detail.result is not None, "Dana's detail loaded")
        moves = [f"move:{m['id']}" for m in dana["moves"]]
        assert moves and detail.link_keys[: len(moves)] == moves
        assert "companies:8" in detail.link_keys  # Harborline, openable from here too
        body = plain(detail.query_one("#record-body", Static))
        assert "dana.reyes@harborline.example" in body and "Signals" in body

        await pilot.press("enter")  # the first linked move
        await until(pilot, lambda: isinstance(app.screen, MoveDetail), "the move's detail")
        move = app.screen
        assert isinstance(move, MoveDetail) and move.move_id == dana["moves"][0]["id"]
        await pilot.press("escape")
        assert app.screen is detail
        await pilot.press("escape")
        assert app.screen is screen


async def test_companies_and_deals_switch_search_and_show_stage_and_amount(
    steady_demo_daemon: DaemonProcess,
) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_records(pilot)
        await pilot.press("o")
        await until(pilot, lambda: screen.loaded and screen.kind.key == "o", "companies")
        await pilot.press("slash", *"harbor")
        await until(pilot, lambda: names(screen) == ["Harborline Logistics"], "Harborline")
        await pilot.press("escape")  # clears the search, back on the table
        await until(pilot, lambda: len(screen.records) > 1, "every company again")

        await pilot.press("d")
        await until(pilot, lambda: screen.loaded and screen.kind.key == "d", "deals")
        await pilot.press("slash", *"kestrel", "enter")
        want = "Kestrel Payments - Enterprise rollout"
        await until(pilot, lambda: screen.loaded and names(screen) == [want], "Kestrel")
        table = screen.query_one("#records", DataTable)
        heading, deal = ([str(cell) for cell in table.get_row_at(n)] for n in (0, 1))
        assert heading[:2] == ["Qualified to buy · 1 deal", "$120k"]
        assert deal[:2] == [f"  {want}", "$120k"]
        assert table.cursor_row == 1  # on the deal, below its stage's heading
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RecordDetail), "the deal")
        detail = app.screen
        assert isinstance(detail, RecordDetail)
        await until(pilot, lambda: detail.result is not None, "the deal loaded")
        shown = steady_demo_daemon.call("deals.show", {"ref": want})
        assert [k for k in detail.link_keys if k.startswith("move:")] == [
            f"move:{m['id']}" for m in shown["moves"]
        ]


async def test_deals_read_by_stage_in_the_pipelines_order_with_counts_and_amounts(
    steady_demo_daemon: DaemonProcess, monkeypatch: Any
) -> None:
    """Each stage a heading (label, count, total amount) over its deals, the stages in the
    order `reports.pipeline` gives, closed last; with pages of 3 the stages still come in
    order as the cursor pages down."""
    monkeypatch.setattr(records, "PAGE", 3)
    want: list[list[str]] = []
    stages = steady_demo_daemon.call("reports.pipeline")["stages"]
    closed = [{"stage": "closedwon", "label": "Closed won"}]
    closed.append({"stage": "closedlost", "label": "Closed lost"})
    for stage in stages + closed:
        page = steady_demo_daemon.call("deals.list", {"stage": [stage["stage"]]})
        n = page["total"]
        want.append([f"{stage['label']} · {n} deal{'s' if n > 1 else ''}", money(page["amount"])])
        want += [[f"  {d['name']}", money(d["amount"])] for d in page["deals"]]
    assert stages[0]["stage"] == "appointmentscheduled" and len(want) == 17  # 7 stages, 10 deals
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_records(pilot)
        await pilot.press("d")
        await until(pilot, lambda: screen.loaded and screen.kind.key == "d", "deals")
        assert len(screen.records) < 10  # a page at a time
        table = screen.query_one("#records", DataTable)
        for _ in range(20):
            await pilot.press("down")
        await until(pilot, lambda: len(screen.records) == 10, "every deal, page by page")
        rows = [[str(c) for c in table.get_row_at(n)][:2] for n in range(table.row_count)]
        assert rows == want
        assert "10 of 10 deals worth $360k" in plain(screen.query_one("#status-line", Static))


async def test_the_cursor_steps_over_stage_headings_both_ways(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """Down and up go from deal to deal: a heading is never where the cursor stops, so
    enter always opens a deal."""
    deals = steady_demo_daemon.call("deals.list", {"limit": 50})["total"]
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_records(pilot)
        await pilot.press("d")
        await until(pilot, lambda: screen.loaded and screen.kind.key == "d", "deals")
        await until(pilot, lambda: len(screen.records) == deals, "every deal")
        table = screen.query_one("#records", DataTable)
        seen = [screen.current()]
        for _ in range(deals - 1):
            await pilot.press("down")
            seen.append(screen.current())
        assert all(r is not None for r in seen)
        assert [r["id"] for r in seen if r] == [r["id"] for r in screen.records]
        await pilot.press("down")  # past the last deal: it stays there
        assert screen.current() == seen[-1]
        for want in reversed(seen[:-1]):
            await pilot.press("up")
            assert screen.current() == want
        await pilot.press("up")  # above the first deal is its heading: it stays put
        assert screen.current() == seen[0] and table.cursor_row == 1
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, RecordDetail), "the deal opened")
        assert app.screen.record_id == seen[1]["id"]


async def test_move_detail_shows_the_threads_last_messages_and_the_deal(
    steady_demo_daemon: DaemonProcess,
) -> None:
    moves = steady_demo_daemon.call("queue.list", {"limit": 200})["moves"]
    move = next(m for m in moves if m["thread_id"] and m["deal"])
    thread = steady_demo_daemon.call("threads.show", {"ref": str(move["thread_id"])})
    deal = steady_demo_daemon.call("deals.show", {"ref": str(move["deal"]["id"])})["deal"]
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        app.open_move(move["id"])
        await until(pilot, lambda: isinstance(app.screen, MoveDetail), "the move")
        subject = f"Thread: {thread['thread']['subject']}"
        await until(pilot, lambda: subject in body_text(app), "the thread")
        text = body_text(app)
        last = thread["last_messages"][-1]
        assert last["body"].splitlines()[-1] in text
        assert deal["stage_label"] in text and deal["stage_label"] != deal["stage"]
        assert move["contact"]["email"] in text and move["company"]["name"] in text


async def test_move_detail_shows_the_meetings_attendees_and_answers(
    steady_demo_daemon: DaemonProcess,
) -> None:
    moves = steady_demo_daemon.call("queue.list", {"limit": 200})["moves"]
    move = next(m for m in moves if m["meeting_id"])
    meeting = steady_demo_daemon.call("meetings.show", {"ref": str(move["meeting_id"])})
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        app.open_move(move["id"])
        await until(pilot, lambda: isinstance(app.screen, MoveDetail), "the move")
        title = f"Meeting: {meeting['meeting']['title']}"
        await until(pilot, lambda: title in body_text(app), "the meeting")
        lines = body_text(app).splitlines()
        for a in meeting["meeting"]["attendees"]:
            answer = a["response"].replace("_", " ")
            assert any(a["email"] in line and answer in line for line in lines), a
