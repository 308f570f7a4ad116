"""Small dialogs of the dashboard: the snooze picker, a dismissal's reason, the score
breakdown, starting a daemon, and the help screen. Each returns what the operator chose
through `dismiss`, or None when they backed out (escape)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

# The picker's choices, as the daemon reads `--until` (the same words the CLI takes).
SNOOZE_CHOICES: tuple[tuple[str, str], ...] = (
    ("later", "Later today (in 3 hours)"),
    ("tomorrow 9am", "Tomorrow 9am"),
    ("next mon 9am", "Next Monday 9am"),
    ("", "Custom…"),
)
SNOOZE_TEXT = {"later": "in 3h"}


class SnoozePicker(ModalScreen[str | None]):
    """When a move comes back: a choice, or a time typed as the CLI's `--until` takes it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, error: str | None = None) -> None:
        super().__init__()
        self.move_title = title
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Snooze: {self.move_title}", classes="dialog-title")
            yield OptionList(*(Option(text, id=key or "custom") for key, text in SNOOZE_CHOICES))
            yield Input(placeholder="e.g. fri 3pm, in 2h, 2026-12-01 14:00", id="custom")
            yield Label(self.error or "", id="error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#custom", Input).display = False
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        if key == "custom":
            field = self.query_one("#custom", Input)
            field.display = True
            field.focus()
            return
        self.dismiss(SNOOZE_TEXT.get(key, key))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DismissReason(ModalScreen[str | None]):
    """Why a move is dismissed (optional: enter alone dismisses without a reason). A reason
    teaches the score: that agent counts against that contact."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.move_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Dismiss: {self.move_title}", classes="dialog-title")
            yield Input(placeholder="Why? (optional; enter to dismiss)", id="reason")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


def breakdown_table(explained: dict[str, Any]) -> Table:
    """The APS breakdown as `queue explain` shows it: each component's value, weight,
    points and reason, then the learned adjustment and the total."""
    b = explained["breakdown"]
    table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
    table.add_column("Part", no_wrap=True)
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("Weight", justify="right", no_wrap=True)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Why", ratio=1)
    for name, part in (b.get("components") or {}).items():
        table.add_row(
            name,
            f"{part['value']:.2f}",
            f"{part['weight']:.2f}",
            f"{part['points']:.1f}",
            part.get("reason", ""),
        )
    learned = b.get("learned") or {}
    table.add_row("learned", "", "", f"{learned.get('points', 0):+.1f}", learned.get("reason", ""))
    table.add_row(Text("APS", style="bold"), "", "", Text(f"{explained['aps']:.1f}", style="bold"))
    return table


class Explain(ModalScreen[None]):
    """Why a move scores what it does."""

    BINDINGS = [Binding("escape,e,q", "close", "Close")]

    def __init__(self, explained: dict[str, Any]) -> None:
        super().__init__()
        self.explained = explained

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Label(f"Why {self.explained['title']}", classes="dialog-title")
            yield Static(breakdown_table(self.explained))
            yield Label("escape closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class StartDaemon(ModalScreen[bool]):
    """No daemon answers: start one, or quit."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Start it"),
        Binding("n,escape,q", "answer(False)", "Quit"),
    ]

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("No CaseyOS daemon is running", classes="dialog-title")
            yield Static(self.why, classes="hint")
            yield Static("Start one now? [b]y[/b] starts it, [b]n[/b] quits.")

    def action_answer(self, start: bool) -> None:
        self.dismiss(start)


HELP = """\
[b]Screens[/b]   1 Today  2 Records  3 Activity  4 System
          ctrl+p every command  ? this help  q quit
[b]Today[/b]     a accept  d dismiss  s snooze  x done  u undo
          e why this score  enter open  / filter  r reload
[b]Records[/b]   c contacts  o companies  d deals  m meetings
          t threads  / search  enter open (and its links)
[b]Activity[/b]  k next signal kind  K every kind
[b]System[/b]    the daemon, jobs with their progress, agents,
          connectors  r reload
[b]Anywhere[/b]  escape back or clear  ctrl+t light or dark
          the mouse works too: click a row, a key, scroll

The dashboard follows the daemon live: rows change in place,
new signals arrive on top, and it reconnects on its own."""


class Help(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="wide"):
            yield Label("CaseyOS dashboard", classes="dialog-title")
            yield Static(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
