"""A move in full: who and what it is about (the contact, company and deal; the thread's
last messages, quotes folded; the meeting and its attendees' answers), why now, its score,
its signals and history."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from caseyos_cli import timefmt
from caseyos_cli.records import money
from caseyos_cli.tui.link import LinkDown, said
from caseyos_cli.tui.mail import message_text
from caseyos_cli.tui.modals import breakdown_table
from caseyos_cli.tui.moves import label, who
from caseyos_cli.tui.record_sections import attendee_lines, field_lines, meeting_when
from caseyos_cli.tui.screen import DashboardScreen, loader


class MoveDetail(DashboardScreen):
    """One move: its people, the reasons behind it, its score and its history."""

    BINDINGS = [Binding("escape,backspace", "back", "Back"), Binding("r", "reload", "Reload")]

    def __init__(self, move_id: int) -> None:
        super().__init__()
        self.move_id = move_id

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        with VerticalScroll(id="detail"):
            yield Static("Loading…", id="body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="detail-load")
    @loader
    async def load(self) -> None:
        try:
            shown = await self.dash.link.call("queue.show", {"id": self.move_id})
        except Exception as exc:  # the daemon gone, or its refusal: in its words
            self.query_one("#body", Static).update(said(exc))
            return
        try:
            about = await self.about(shown["move"])
        except LinkDown:
            about = {}
        self.render_move(shown, about)

    async def about(self, move: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The records the move is about, each as its `show` gives it (fetched together;
        one the daemon no longer has is left out)."""
        wanted = {
            "contact": ("contacts.show", (move.get("contact") or {}).get("id")),
            "company": ("companies.show", (move.get("company") or {}).get("id")),
            "deal": ("deals.show", (move.get("deal") or {}).get("id")),
            "thread": ("threads.show", move.get("thread_id")),
            "meeting": ("meetings.show", move.get("meeting_id")),
        }
        asked = {name: (op, ref) for name, (op, ref) in wanted.items() if ref is not None}
        answers = await asyncio.gather(
            *(self.dash.link.call(op, {"ref": str(ref)}) for op, ref in asked.values()),
            return_exceptions=True,
        )
        for answer in answers:
            if isinstance(answer, LinkDown):
                raise answer
        return {
            name: answer
            for name, answer in zip(asked, answers, strict=True)
            if isinstance(answer, dict)
        }

    def render_move(
        self, shown: dict[str, Any], about: dict[str, dict[str, Any]] | None = None
    ) -> None:
        about = about or {}
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
        for name, value in facts:
            parts.append(Text.assemble((f"{name:<7}", "bold"), value))
        parts += about_parts(m, about, now, tz)
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


def about_parts(
    m: dict[str, Any], about: dict[str, dict[str, Any]], now: str, tz: str
) -> list[Any]:
    """The contact, company, deal, thread and meeting the move is about, as far as known."""
    parts: list[Any] = []
    if "contact" in about:
        c = about["contact"]["contact"]
        parts += [Text(""), Text("Contact", style="bold")]
        parts += field_lines(
            [
                ("  Name", c.get("name") or c["email"]),
                ("  Email", c["email"]),
                ("  Title", c.get("title")),
                ("  Phone", c.get("phone")),
                ("  Stage", c.get("lifecycle_stage")),
            ]
        )
    if "company" in about:
        co = about["company"]["company"]
        parts += [Text(""), Text("Company", style="bold")]
        parts += field_lines(
            [
                ("  Name", co["name"]),
                ("  Domain", co["domain"]),
                ("  Industry", co.get("industry")),
                ("  Tier", co.get("tier")),
            ]
        )
    if "deal" in about:
        d = about["deal"]["deal"]
        parts += [Text(""), Text("Deal", style="bold")]
        parts += field_lines(
            [
                ("  Name", d["name"]),
                ("  Stage", d["stage_label"]),
                ("  Amount", money(d.get("amount"), d.get("currency") or "USD")),
                ("  Close", d.get("close_date") and timefmt.day(d["close_date"], now, tz)),
            ]
        )
    elif m.get("deal"):  # the daemon's short form, when the full one could not be read
        d = m["deal"]
        parts += [
            Text(""),
            Text.assemble(("Deal   ", "bold"), f"{d['name']}, {money(d.get('amount'))}"),
        ]
    if "thread" in about:
        t = about["thread"]
        messages = t.get("last_messages") or []
        parts += [Text(""), Text(f"Thread: {t['thread']['subject']}", style="bold")]
        if len(messages) < t["thread"]["messages"]:
            parts.append(Text(f"  the last {len(messages)} of {t['thread']['messages']} messages"))
        parts += [message_text(msg, now, tz) for msg in messages]
    if "meeting" in about:
        mt = about["meeting"]["meeting"]
        parts += [Text(""), Text(f"Meeting: {mt['title']}", style="bold")]
        parts.append(Text(f"  {meeting_when(mt, now, tz)}"))
        parts += attendee_lines(mt)
    return parts
