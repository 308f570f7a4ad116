"""How the operator's records read: a table for a list, a page of sections for one record.

Shared by the record nouns (contacts, companies, deals, tasks, meetings, threads); each
noun's module only says which columns and sections it has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import typer

from caseyos_cli import output, paging, style, timefmt

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")
QUERY = typer.Argument(
    None, metavar="QUERY", help="Words to look for; case and accents do not matter."
)
REF = typer.Argument(..., metavar="REF", help="An id, or a name only one has (or an email).")

Column = tuple[str, dict[str, Any]]
Row = Callable[[dict[str, Any]], Sequence[str]]


def show_list(
    result: dict[str, Any], key: str, noun: str, columns: Sequence[Column], row: Row
) -> None:
    """A list as a table (or a line saying there is nothing), then whether it was cut."""
    items = result[key]
    if not items:
        print(f"No {noun} match.")
        return
    table = output.table(expand=True)
    for header, settings in columns:
        table.add_column(header, **settings)
    for item in items:
        table.add_row(*row(item))
    output.console().print(table)
    paging.say_if_cut(result, key, noun)


def heading(text: str, detail: str = "") -> None:
    print(style.paint(text, "title") + (f"  {detail}" if detail else ""))


def fields(pairs: Sequence[tuple[str, str | None]]) -> None:
    """'label: value' lines for what a record has; empty values are left out."""
    for label, value in pairs:
        if value:
            print(output.wrap(f"{label}: {value}", indent="  ", first="  "))


def section(title: str, lines: Sequence[str], total: int | None = None) -> None:
    if not lines:
        return
    shown = len(lines)
    count = f"{shown} of {total}" if total is not None and total > shown else f"{shown}"
    print()
    print(style.paint(f"{title} ({count})", "header"))
    for line in lines:
        print(clip("  " + line))


def clip(line: str) -> str:
    width = output.width()
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def word(value: str | None) -> str:
    """A CRM's enum as people read it: 'NOT_STARTED' -> 'not started'."""
    return (value or "").replace("_", " ").lower()


def money(amount: float | None, currency: str = "USD") -> str:
    if amount is None:
        return "-"
    sign = "$" if currency == "USD" else f"{currency} "
    if amount >= 1_000_000:
        return f"{sign}{amount / 1_000_000:,.1f}M"
    if amount >= 1000:
        return f"{sign}{amount / 1000:,.0f}k"
    return f"{sign}{amount:,.0f}"


def move_lines(moves: Sequence[dict[str, Any]]) -> list[str]:
    return [f"#{m['id']:<4} {m['aps']:>3.0f}  {m['status']:<9} {m['title']}" for m in moves]


def signal_about(signal: dict[str, Any]) -> str:
    """What a signal is about, in a few words: a subject, a meeting or task title, a deal,
    a person (a contact's payload has their job title too, which says less)."""
    p = signal["payload"]
    if signal["kind"].startswith("contact."):
        return str(p.get("name") or p.get("email") or "")
    return str(p.get("subject") or p.get("title") or p.get("deal") or p.get("name") or "")


def signal_lines(signals: Sequence[dict[str, Any]], now: str, tz: str) -> list[str]:
    lines = []
    for s in signals:
        about = signal_about(s)
        lines.append(f"{timefmt.when(s['occurred_at'], now, tz):<16} {s['kind']:<20} {about}")
    return lines


def source_lines(sources: Sequence[dict[str, Any]], now: str, tz: str) -> list[str]:
    """'hubspot  since Tue 3 Nov, last today 09:12', first source first."""
    width = max((len(s["source"]) for s in sources), default=0)
    lines = []
    for s in sources:
        first = timefmt.when(s["first_seen_at"], now, tz)
        last = timefmt.when(s["last_seen_at"], now, tz)
        seen = f"since {first}" if last == first else f"since {first}, last {last}"
        lines.append(f"{s['source']:<{width}}  {seen}")
    return lines


def linked(result: dict[str, Any]) -> None:
    """Where a record came from, and the moves and signals about it: the last sections of
    every `show`."""
    section("Sources", source_lines(result["sources"], result["now"], result["timezone"]))
    section("Moves", move_lines(result["moves"]), result["moves_total"])
    section(
        "Signals",
        signal_lines(result["signals"], result["now"], result["timezone"]),
        result["signals_total"],
    )
