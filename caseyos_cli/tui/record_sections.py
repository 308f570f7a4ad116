"""What a record's detail shows: its facts, and the records and moves linked to it.

Pure functions of a `*.show` result (as JSON): `facts` gives the text (fields, messages,
attendees, notes, signals), `links` the rows of the linked table, each keyed
"<kind>:<id>" so the screen knows what enter opens. No Textual here: Rich only.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text

from caseyos_cli import timefmt
from caseyos_cli.records import money, signal_about
from caseyos_cli.tui.mail import message_text
from caseyos_cli.tui.moves import STATUS_MARK, label

Link = tuple[str, str, str, str]  # key, what, name, detail


def field_lines(pairs: list[tuple[str, Any]]) -> list[RenderableType]:
    """'Label  value' lines for the values a record has."""
    width = max((len(name) for name, value in pairs if value), default=0) + 2
    return [
        Text.assemble((f"{name:<{width}}", "bold"), str(value)) for name, value in pairs if value
    ]


def attendee_lines(meeting: dict[str, Any]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for a in meeting.get("attendees") or []:
        who = f"{a['name']} <{a['email']}>" if a.get("name") else a["email"]
        answer = str(a["response"]).replace("_", " ")
        style = {"accepted": "green", "declined": "red"}.get(answer, "yellow")
        lines.append(Text.assemble("  ", (f"{answer:<13}", style), who))
    return lines


def signal_lines(result: dict[str, Any]) -> list[RenderableType]:
    now, tz = result["now"], result["timezone"]
    lines: list[RenderableType] = []
    for s in result.get("signals") or []:
        at = timefmt.when(s["occurred_at"], now, tz)
        line = f"  {at:<16} {s['kind']:<20} {signal_about(s)}"
        lines.append(Text(line, no_wrap=True, overflow="ellipsis"))
    return lines


def _heading(title: str, shown: int, total: int | None = None) -> Text:
    count = f"{shown} of {total}" if total is not None and total > shown else f"{shown}"
    return Text(f"\n{title} ({count})", style="bold")


def meeting_when(m: dict[str, Any], now: str, tz: str) -> str:
    start, end = timefmt.parse(m["start_at"]), timefmt.parse(m["end_at"])
    shown = timefmt.when(m["start_at"], now, tz)
    if start is None or end is None:
        return shown
    return f"{shown} ({round((end - start).total_seconds() / 60)} min)"


def facts(kind: str, r: dict[str, Any]) -> list[RenderableType]:
    """The record's own text: its fields, then what belongs to it, then its signals."""
    now, tz = r["now"], r["timezone"]
    out: list[RenderableType] = []
    if kind == "contacts":
        c = r["contact"]
        out += field_lines(
            [
                ("Email", c["email"]),
                ("Title", c.get("title")),
                ("Company", (c.get("company") or {}).get("name")),
                ("Phone", c.get("phone")),
                ("Stage", c.get("lifecycle_stage")),
                ("Owner", c.get("owner")),
                (
                    "Last in",
                    c.get("last_inbound_at") and timefmt.when(c["last_inbound_at"], now, tz),
                ),
                (
                    "Last out",
                    c.get("last_outbound_at") and timefmt.when(c["last_outbound_at"], now, tz),
                ),
                (
                    "No contact",
                    c.get("do_not_contact") and (c.get("do_not_contact_reason") or "yes"),
                ),
            ]
        )
    elif kind == "companies":
        c = r["company"]
        out += field_lines(
            [
                ("Domain", c["domain"]),
                ("Industry", c.get("industry")),
                ("People", c.get("size") and f"{c['size']:,} employees"),
                ("Tier", c.get("tier")),
                ("Pipeline", money(r.get("open_pipeline")) + " open"),
            ]
        )
    elif kind == "deals":
        d = r["deal"]
        out += field_lines(
            [
                ("Stage", f"{d['stage_label']} ({d['pipeline']})"),
                ("Amount", money(d.get("amount"), d.get("currency") or "USD")),
                ("Close", d.get("close_date") and timefmt.day(d["close_date"], now, tz)),
                ("Company", (d.get("company") or {}).get("name")),
                (
                    "In stage",
                    d.get("stage_entered_at") and timefmt.when(d["stage_entered_at"], now, tz),
                ),
            ]
        )
        notes = r.get("notes") or []
        if notes:
            out.append(_heading("Notes", len(notes)))
            out += [Text(f"  {n}") for n in notes]
    elif kind == "meetings":
        m = r["meeting"]
        out += field_lines(
            [
                ("When", meeting_when(m, now, tz)),
                ("Organizer", m.get("organizer")),
                ("Where", m.get("location")),
                ("Status", m.get("status")),
            ]
        )
        out.append(_heading("Attendees", len(m.get("attendees") or [])))
        out += attendee_lines(m)
    elif kind == "threads":
        t = r["thread"]
        people = ", ".join(p.get("name") or p["email"] for p in r.get("people") or [])
        out += field_lines([("People", people), ("Messages", t["messages"])])
        messages = r.get("last_messages") or []
        out.append(_heading("Last messages", len(messages), t["messages"]))
        out += [message_text(msg, now, tz) for msg in messages]
    signals = signal_lines(r)
    if signals:
        out.append(_heading("Signals", len(signals), r.get("signals_total")))
        out += signals
    return out


def move_link(m: dict[str, Any]) -> Link:
    mark = STATUS_MARK.get(m["status"], "?").strip()
    return (f"move:{m['id']}", f"Move {mark}".rstrip(), m["title"], f"{label(m)} · {m['status']}")


def links(kind: str, r: dict[str, Any]) -> list[Link]:
    """The linked table's rows: moves about the record first, then related records."""
    rows: list[Link] = [move_link(m) for m in r.get("moves") or []]

    def company(ref: dict[str, Any] | None) -> None:
        if ref:
            rows.append((f"companies:{ref['id']}", "Company", ref["name"], ref["domain"]))

    def contact(c: dict[str, Any]) -> None:
        rows.append((f"contacts:{c['id']}", "Contact", c.get("name") or c["email"], c["email"]))

    def deal(d: dict[str, Any]) -> None:
        amount = money(d.get("amount"), d.get("currency") or "USD")
        rows.append((f"deals:{d['id']}", "Deal", d["name"], f"{d['stage_label']} · {amount}"))

    now, tz = r["now"], r["timezone"]
    if kind == "contacts":
        company(r["contact"].get("company"))
        for d in r.get("deals") or []:
            deal(d)
        for t in r.get("threads") or []:
            rows.append((f"threads:{t['id']}", "Thread", t["subject"], f"{t['messages']} msgs"))
        for m in r.get("meetings") or []:
            rows.append((f"meetings:{m['id']}", "Meeting", m["title"], meeting_when(m, now, tz)))
    elif kind == "companies":
        for c in r.get("contacts") or []:
            contact(c)
        for d in r.get("deals") or []:
            deal(d)
    elif kind == "deals":
        company(r["deal"].get("company"))
        for c in r.get("contacts") or []:
            contact(c)
    elif kind == "meetings":
        for a in r["meeting"].get("attendees") or []:
            if a.get("contact_id"):
                contact({"id": a["contact_id"], "name": a.get("name"), "email": a["email"]})
    elif kind == "threads":
        for p in r.get("people") or []:
            contact(p)
    return rows
