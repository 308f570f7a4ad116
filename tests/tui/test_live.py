"""The dashboard live, through a real daemon and the real CLI in other processes: what
another client changes shows up without a keypress, an import's progress moves in System,
and the dashboard lives through the daemon going away and coming back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, ProgressBar, Static

from bench.corpus import write_mbox
from caseyos_cli.tui.activity import ActivityScreen
from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.detail import MoveDetail
from caseyos_cli.tui.link import DOWN, LIVE
from caseyos_cli.tui.record_detail import RecordDetail
from caseyos_cli.tui.records import RecordsScreen
from caseyos_cli.tui.system import JobBar, SystemScreen
from tests.conftest import DaemonProcess, run_cli
from tests.tui.conftest import loaded, row_keys, until


def wait_job(daemon: DaemonProcess, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = daemon.call("jobs.show", {"id": job_id})["job"]
    while job["status"] == "running":
        job = daemon.call("jobs.wait", {"id": job_id, "timeout": 20})["job"]
    return job


def visible(widget: Static) -> str:
    """The widget's first line as the terminal shows it (cropped to its width)."""
    return widget.render_line(0).text


async def system_loaded(pilot: Any) -> SystemScreen:
    app = pilot.app
    await pilot.press("4")
    await until(
        pilot,
        lambda: isinstance(app.screen, SystemScreen) and app.screen.loaded,
        "System loaded",
    )
    screen = app.screen
    assert isinstance(screen, SystemScreen)
    return screen


async def test_system_shows_the_daemon_jobs_agents_and_connectors(
    steady_demo_daemon: DaemonProcess,
) -> None:
    daemon = steady_demo_daemon
    status = daemon.call("system.status")
    agents = daemon.call("agents.list")["agents"]
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await system_loaded(pilot)
        facts = str(screen.query_one("#daemon-facts").render())
        assert f"pid {status['pid']}" in facts and status["version"] in facts
        assert "workspace demo" in facts
        table = screen.query_one("#agents", DataTable)
        assert [str(table.get_cell(a["name"], "name")) for a in agents] == [
            a["name"] for a in agents
        ]
        jobs = screen.query_one("#jobs", DataTable)
        assert jobs.row_count == len(daemon.call("jobs.list", {"limit": 12})["jobs"])


async def test_a_move_accepted_from_the_cli_changes_on_screen_within_a_second(
    daemon: DaemonProcess, daemon_env: dict[str, str]
) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        key = screen.order[0]
        assert screen.moves[key]["status"] == "pending"
        # The CLI in its own process, as the operator would type it in another terminal.
        done = run_cli("queue", "accept", key, env=daemon_env)
        exited = time.monotonic()
        assert done.returncode == 0, done.stderr
        await until(pilot, lambda: screen.moves[key]["status"] == "accepted", "accepted")
        latency = time.monotonic() - exited
        print(f"CLI accept -> dashboard row: {latency * 1000:.0f} ms")
        assert latency < 1.0
        assert str(screen.query_one("#moves", DataTable).get_cell(key, "status")) == "✓"


@pytest.mark.long
async def test_an_import_run_from_the_cli_moves_its_bar_in_system(
    blank_daemon: DaemonProcess, daemon_env: dict[str, str], tmp_path: Path
) -> None:
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, 2500)
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await system_loaded(pilot)
        started = run_cli("import", str(mbox), "--no-wait", env=daemon_env)
        assert started.returncode == 0, started.stderr
        job_id = started.stdout.strip()
        seen: set[float] = set()

        def bar_moves() -> bool:
            bar = next(screen.query(f"#job-{job_id}").results(JobBar), None)
            if bar is not None:
                seen.add(bar.query_one(ProgressBar).progress)
            return len(seen) >= 2

        await until(pilot, bar_moves, "the import's bar moving")
        jobs = screen.query_one("#jobs", DataTable)
        assert str(jobs.get_cell(job_id, "status")) == "running"
        # However long the import takes on a busy machine: once the daemon says it ended,
        # the screen follows.
        job = await asyncio.to_thread(wait_job, blank_daemon, job_id)
        assert job["status"] == "succeeded", job
        await until(pilot, lambda: screen.jobs[job_id]["status"] == "succeeded", "succeeded")
        assert str(jobs.get_cell(job_id, "status")) == "succeeded"
        assert not list(screen.query(JobBar))


@pytest.mark.long
async def test_the_dashboard_lives_through_a_daemon_restart(daemon: DaemonProcess) -> None:
    app = Dashboard(start_daemon=False)
    app.NOTE_SECONDS = 1.5  # the "restarted; reloaded" note's time on screen, shortened
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        shown = list(screen.order)
        first_boot = app.link.hello.boot_id if app.link.hello else ""
        line = screen.query_one("#status-line", Static)
        await asyncio.to_thread(daemon.stop)
        await until(pilot, lambda: app.link.state == DOWN, "the link down")
        # Said where an 80-column terminal still shows it, not cut off at the line's end.
        await until(pilot, lambda: "went away" in visible(line), "said on the status line")
        assert "went away" in app.link_note
        await asyncio.to_thread(daemon.start)
        await until(pilot, lambda: app.link.state == LIVE, "the link back")
        assert app.link.hello is not None and app.link.hello.boot_id != first_boot
        await until(pilot, lambda: "reloaded" in visible(line), "reload said")
        assert "restarted" in app.link_note

        # Gone again before the note timed out: the newer note replaces it and stays up
        # (the daemon is still away) past the old note's time.
        await asyncio.to_thread(daemon.stop)
        await until(pilot, lambda: "went away" in visible(line), "gone again, said")
        await pilot.pause(2 * app.NOTE_SECONDS)
        assert "went away" in visible(line) and "went away" in app.link_note
        # Back: the note says so, then clears on its own.
        await asyncio.to_thread(daemon.start)
        await until(pilot, lambda: "reloaded" in visible(line), "reload said again")
        await until(pilot, lambda: not app.link_note, "the note timed out")
        await until(pilot, lambda: "reloaded" not in visible(line), "the note off the line")
        assert "restarted" not in app.sub_title
        await until(pilot, lambda: screen.loaded and screen.order == shown, "Today again")


async def test_with_no_daemon_it_quits_saying_so(
    caseyos_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.return_code is not None, "quit")
    assert app.return_code == 1
    assert "No daemon; start one with `caseyos daemon start`." in capsys.readouterr().err


async def test_with_no_daemon_it_can_start_one(daemon_env: dict[str, str]) -> None:
    app = Dashboard(start_daemon=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await loaded(pilot)
            assert app.link.state == LIVE and app.workspace == "demo"
            assert screen.order
    finally:
        stopped = run_cli("daemon", "stop", env=daemon_env)
        assert stopped.returncode == 0, stopped.stderr


async def test_escaping_a_detail_while_it_loads_is_quiet(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """Escape pressed before the daemon answered a detail's load: the answer finds the
    screen's widgets gone, and the load ends quietly (it failed the whole dashboard)."""
    contact = steady_demo_daemon.call("contacts.list", {"limit": 1})["contacts"][0]
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        move_id = int(row_keys(app)[0])
        for _ in range(5):
            for detail in (MoveDetail(move_id), RecordDetail("contacts", contact["id"])):
                await app.push_screen(detail)
                assert detail.workers  # its load is asking the daemon
                app.pop_screen()
        await until(pilot, lambda: not any(w.is_running for w in app.workers), "loads ended")
        await pilot.pause(0.1)
        assert app.screen is screen
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MoveDetail), "a detail still opens")


async def test_closing_while_screens_load_is_quiet(steady_demo_daemon: DaemonProcess) -> None:
    """Quitting while the daemon is still answering a screen's load: the answer finds the
    widgets gone, and the load ends quietly instead of failing the dashboard's exit."""
    for _ in range(3):
        app = Dashboard(start_daemon=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await loaded(pilot)
            others = []
            for key, kind in (("2", RecordsScreen), ("3", ActivityScreen)):
                await pilot.press(key)
                await until(
                    pilot,
                    lambda kind=kind, app=app: isinstance(app.screen, kind) and app.screen.loaded,
                    f"{kind.__name__} loaded",
                )
                others.append(app.screen)
            system = await system_loaded(pilot)
            screen.reload()
            system.reload()
            for other in others:
                other.reload()
