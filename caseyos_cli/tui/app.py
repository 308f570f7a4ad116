"""The dashboard app: its screens, its line to the daemon, the footer's live status.

A client of the daemon like the CLI: everything it shows comes from operations over the
socket, and everything it changes goes through them. One `Link` carries the calls and the
event subscription; every event goes to each screen that is up (`live(event)`), and a new
daemon (after a restart) makes every screen reload.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from functools import partial
from typing import Any, Protocol

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from caseyos_cli.tui import modals
from caseyos_cli.tui.activity import ActivityScreen
from caseyos_cli.tui.collector import CHECK, IdleCollector
from caseyos_cli.tui.link import DOWN, LIVE, Link, LinkDown
from caseyos_cli.tui.recordkinds import KINDS
from caseyos_cli.tui.records import RecordsScreen
from caseyos_cli.tui.system import SystemScreen
from caseyos_cli.tui.today import TodayScreen


class Live(Protocol):
    async def live(self, event: dict[str, Any]) -> None: ...


class Dashboard(App[None]):
    """CaseyOS: work the day from one screen."""

    TITLE = "CaseyOS"
    CSS_PATH = "dashboard.tcss"
    MODES = {
        "today": TodayScreen,
        "records": RecordsScreen,
        "activity": ActivityScreen,
        "system": SystemScreen,
    }
    DEFAULT_MODE = "today"
    # How long a note on a link come back ("daemon restarted; reloaded") stays up.
    NOTE_SECONDS = 5.0
    BINDINGS = [
        Binding("1", "switch_mode('today')", "Today", show=False),
        Binding("2", "switch_mode('records')", "Records", show=False),
        Binding("3", "switch_mode('activity')", "Activity", show=False),
        Binding("4", "switch_mode('system')", "System", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, *, start_daemon: bool | None = None) -> None:
        """`start_daemon`: with no daemon running, start one without asking (True), quit
        (False), or ask (None)."""
        super().__init__()
        self.start_daemon = start_daemon
        self.link = Link(self._on_event, self._on_link_state, self._on_resync)
        self.last_acted: int | None = None
        self.link_note = ""
        self.workspace = ""
        self._keeper: asyncio.Task[None] | None = None
        self._note_timer: Timer | None = None
        self.collector = IdleCollector()

    # -- the link ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(CHECK, self.collector.tick)
        self._start_link()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.touched()
        await super().on_event(event)

    @work(exclusive=True, group="link")
    async def _start_link(self) -> None:
        """Connect (offering to start a daemon when none answers), then keep the link up."""
        try:
            await self.link.connect()
        except LinkDown as exc:
            if not await self._offer_daemon(str(exc)):
                self.exit(
                    return_code=1, message="No daemon; start one with `caseyos daemon start`."
                )
                return
        await self._on_resync()
        self._keeper = asyncio.create_task(self.link.run_forever())

    async def _offer_daemon(self, why: str) -> bool:
        start: bool | None = self.start_daemon
        if start is None:
            start = await self.push_screen_wait(modals.StartDaemon(why))
        if not start:
            return False
        self.notify("Starting the daemon…", timeout=3)
        from caseyos_cli import client

        try:
            started = await asyncio.to_thread(client.connect, True, asked=True)
        except Exception as exc:  # said as the CLI says it
            self.notify(f"Could not start the daemon: {exc}", severity="error", timeout=10)
            return False
        started.close()
        try:
            await self.link.connect()
        except LinkDown as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return False
        return True

    async def _after_connect(self) -> None:
        try:
            status = await self.link.call("system.status", {})
        except LinkDown:
            return
        self.workspace = str(status.get("workspace") or "")
        self._title()

    def _title(self) -> None:
        hello = self.link.hello
        parts = ["CaseyOS"]
        if self.workspace:
            parts.append(f"workspace {self.workspace}")
        if self.workspace == "demo":
            parts.append("DEMO data: `caseyos init` to use your own")
        if hello:
            parts.append(f"daemon {hello.version}")
        self.title = " · ".join(parts)
        self.sub_title = self.link_note

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "workspace.changed":
            self.workspace = str((event.get("data") or {}).get("workspace") or self.workspace)
            self._title()
        for screen in self._live_screens():
            try:
                await screen.live(event)
            except LinkDown:
                pass
            except Exception as exc:
                # A screen that fails on an event must not end the subscription: the
                # other screens, and the next events, still need it.
                self.log.error(f"{type(screen).__name__} failed on {event.get('type')}: {exc!r}")
                self.notify(
                    f"Could not show a {event.get('type')} event: {exc}; r reloads",
                    severity="error",
                    timeout=8,
                )

    async def _on_link_state(self, state: str, note: str) -> None:
        self.link_note = note if state != LIVE or note else ""
        if self._note_timer is not None:
            self._note_timer.stop()  # a newer note replaces the one timed out
            self._note_timer = None
        if state == DOWN:
            self.notify(note or "the daemon went away; reconnecting", severity="warning")
        elif state == LIVE and note:
            self.notify(note, timeout=4)
            # Back and live: the note is news for a moment, not the state of things.
            self._note_timer = self.set_timer(self.NOTE_SECONDS, partial(self._note_done, note))
        self._link_shown()

    def _note_done(self, note: str) -> None:
        self._note_timer = None
        if self.link_note == note:
            self.link_note = ""
            self._link_shown()

    def _link_shown(self) -> None:
        self._title()
        for screen in self._live_screens():
            if hasattr(screen, "link_changed"):
                screen.link_changed()

    async def _on_resync(self) -> None:
        """A new daemon, or the first connection: every screen loads afresh."""
        await self._after_connect()
        for screen in self._live_screens():
            with contextlib.suppress(LinkDown):
                await screen.live({"type": "workspace.changed", "data": {}})

    def _live_screens(self) -> list[Live]:
        seen: list[Live] = []
        for screen in self._every_screen():
            if hasattr(screen, "live") and screen not in seen:
                seen.append(screen)  # type: ignore[arg-type]
        return seen

    def _every_screen(self) -> Iterable[Screen[Any]]:
        for stack in self._screen_stacks.values():
            yield from stack

    async def on_unmount(self) -> None:
        self.collector.stop()
        if self._keeper is not None:
            self._keeper.cancel()
        await self.link.close()

    # -- navigation --------------------------------------------------------------------------

    def open_move(self, move_id: int) -> None:
        """The move's detail (its own screen, over the current one)."""
        from caseyos_cli.tui.detail import MoveDetail

        self.push_screen(MoveDetail(move_id))

    def action_toggle_theme(self) -> None:
        """Between the light and the dark theme (the palette's Theme offers them all)."""
        self.theme = "textual-light" if self.theme != "textual-light" else "textual-dark"

    def action_help(self) -> None:
        self.push_screen(modals.Help())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Today", "Today's moves, best first", lambda: self.switch_mode("today"))
        yield SystemCommand(
            "Records",
            "Contacts, companies, deals, meetings, threads",
            lambda: self.switch_mode("records"),
        )
        yield SystemCommand(
            "Activity", "The signal stream, newest first", lambda: self.switch_mode("activity")
        )
        yield SystemCommand(
            "System", "The daemon, jobs, agents, connectors", lambda: self.switch_mode("system")
        )
        yield SystemCommand("Help", "Every key of the dashboard", self.action_help)
        yield SystemCommand(
            "Light or dark", "Switch between the light and dark theme", self.action_toggle_theme
        )
        if isinstance(screen, TodayScreen):
            for action, title, help_text in (
                ("accept", "Accept the move", "You will do it"),
                ("dismiss_move", "Dismiss the move", "With an optional reason"),
                ("snooze", "Snooze the move", "Later today, tomorrow, next Monday or a time"),
                ("done", "Mark the move done", "Accepted first if pending"),
                ("undo", "Undo the last action", "Within 15 minutes"),
                ("explain", "Why this score", "The APS breakdown"),
                ("open", "Open the move", "Its people, thread, meeting and history"),
                ("filter", "Filter the moves", "As you type"),
            ):
                yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
        if isinstance(screen, RecordsScreen):
            for kind in KINDS:
                yield SystemCommand(
                    f"Records: {kind.name}",
                    f"List and search {kind.name.lower()}",
                    partial(screen.action_kind, kind.key),
                )
            yield SystemCommand("Search the records", "Words as you type", screen.action_search)
        if isinstance(screen, ActivityScreen):
            yield SystemCommand("Next signal kind", "Show one kind", screen.action_next_kind)
            yield SystemCommand("Every signal kind", "Show them all", screen.action_all_kinds)
