"""A move in full: who and what it is about, why now, its score, its signals and history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from caseyos_cli import timefmt
from caseyos_cli.tui.link import LinkDown
from caseyos_cli.tui.modals import breakdown_table
from caseyos_cli.tui.moves import label, who

if TYPE_CHECKING:
    from caseyos_cli.tui.app import Dashboard


class MoveDetail(Screen[None]):
    """One move: its people, the reasons behind it, its score and its history."""

    BINDINGS = [Binding("escape,backspace", "back", "Back"), Binding("r", "reload", "Reload")]

    def __init__(self, move_id: int) -> None:
        super().__init__()
        self.move_id = move_id

    @property
    def dash(self) -> Dashboard:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        with VerticalScroll(id="detail"):
            yield Static("Loading…", id="body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="detail-load")
    async def load(self) -> None:
        try:
            shown = await self.dash.link.call("queue.show", {"id": self.move_id})
        except LinkDown as exc:
            self.query_one("#body", Static).update(str(exc))
            return
        except Exception as exc:
            self.query_one("#body", Static).update(getattr(exc, "message", str(exc)))
            return
        self.render_move(shown)

    def render_move(self, shown: dict[str, Any]) -> None:
        m = shown["move"]
        now, tz = shown["now"], shown["timezone"]
        self.query_one("#topbar", Static).update(
            f"[b]{label(m)}[/b] · move {m['id']} · {m['status']} · APS {m['aps']:.0f}"
        )
        parts: list[Any] = [Text(m["title"], style="bold"), Text(m["why_now"]), Text("")]
        facts = [
            ("Who", who(m)),
            ("Agent", m["agent"]),
            ("Due", timefmt.when(m["due_at"], now, tz)),
        ]
        if m.get("deal"):
            d = m["deal"]
            amount = f" (${d['amount']:,.0f})" if d.get("amount") else ""
            facts.append(("Deal", f"{d['name']}{amount}, {d['stage']}"))
        for name, value in facts:
            parts.append(Text.assemble((f"{name:<7}", "bold"), value))
        parts += [Text(""), Text("Score", style="bold")]
        parts.append(breakdown_table({"aps": m["aps"], "breakdown": shown["breakdown"]}))
        if shown.get("signals"):
            parts += [Text(""), Text("Signals behind it", style="bold")]
            for sig in shown["signals"]:
                at = timefmt.when(sig["occurred_at"], now, tz)
                parts.append(Text(f"  {at:<16} {sig['kind']}"))
        if shown.get("history"):
            parts += [Text(""), Text("History", style="bold")]
            for h in shown["history"]:
                at = timefmt.when(h["at"], now, tz)
                reason = f" ({h['reason']})" if h.get("reason") else ""
                parts.append(Text(f"  {at:<16} {h['from_status']} -> {h['to_status']}{reason}"))
        if m.get("prepared_action"):
            parts += [Text(""), Text("Prepared action (read-only)", style="bold")]
            for key, value in m["prepared_action"].items():
                parts.append(Text(f"  {key}: {value}"))
        self.query_one("#body", Static).update(Group(*parts))

    async def live(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        if event.get("type") == "move.updated" and data.get("id") == self.move_id:
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()
