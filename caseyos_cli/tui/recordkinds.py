"""The kinds of record the Records screen lists: the operation that pages through each,
its columns and how one record reads as a row.

Pure functions of the daemon's record shapes (as JSON) and its clock, so the table and the
tests agree on one rendering. No Textual here: Rich text only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from caseyos_cli import timefmt
from caseyos_cli.records import money

Cells = Callable[[dict[str, Any], str, str], tuple[Any, ...]]


@dataclass(frozen=True)
class Kind:
    """One kind of record: its key, how it is listed, shown and drawn."""

    key: str  # the key that switches to it
    name: str  # plural, as the tab reads
    noun: str  # singular, as a detail's title reads
    list_op: str
    show_op: str
    field: str  # the list result's field holding the records
    search: str  # the search field's placeholder
    columns: tuple[tuple[str, int | None], ...]  # header, width (None: what is left)
    cells: Cells


def _contact(c: dict[str, Any], now: str, tz: str) -> tuple[Any, ...]:
    company = (c.get("company") or {}).get("name") or ""
    return (
        c.get("name") or c["email"],
        company,
        (c.get("lifecycle_stage") or "").lower(),
        timefmt.when(c["last_inbound_at"], now, tz) if c.get("last_inbound_at") else "-",
    )


def _company(c: dict[str, Any], now: str, tz: str) -> tuple[Any, ...]:
    return (c["name"], c["domain"], c.get("industry") or "", c.get("tier") or "")


def _deal(d: dict[str, Any], now: str, tz: str) -> tuple[Any, ...]:
    """A deal under its stage's heading (the table lists deals grouped by stage)."""
    closed = d["stage"].lower() in ("closedwon", "closedlost")
    return (
        Text("  " + d["name"], style="dim" if closed else ""),
        Text(money(d.get("amount"), d.get("currency") or "USD"), justify="right"),
        timefmt.day(d.get("close_date"), now, tz) or "-",
    )


def responses(meeting: dict[str, Any]) -> str:
    """'3 accepted, 1 declined' for a meeting's attendees."""
    counts: dict[str, int] = {}
    for a in meeting.get("attendees") or []:
        answer = str(a["response"]).replace("_", " ")
        counts[answer] = counts.get(answer, 0) + 1
    return ", ".join(f"{n} {answer}" for answer, n in counts.items()) or "-"


def _meeting(m: dict[str, Any], now: str, tz: str) -> tuple[Any, ...]:
    return (timefmt.when(m["start_at"], now, tz), m["title"], responses(m))


def _thread(t: dict[str, Any], now: str, tz: str) -> tuple[Any, ...]:
    last = timefmt.when(t["last_message_at"], now, tz) if t.get("last_message_at") else "-"
    return (t["subject"], Text(str(t["messages"]), justify="right"), last)


KINDS: tuple[Kind, ...] = (
    Kind(
        "c",
        "Contacts",
        "Contact",
        "contacts.list",
        "contacts.show",
        "contacts",
        "search contacts by name or email",
        (("Name", 22), ("Company", None), ("Stage", 11), ("Last email in", 15)),
        _contact,
    ),
    Kind(
        "o",
        "Companies",
        "Company",
        "companies.list",
        "companies.show",
        "companies",
        "search companies by name or domain",
        (("Name", None), ("Domain", 22), ("Industry", 14), ("Tier", 7)),
        _company,
    ),
    Kind(
        "d",
        "Deals",
        "Deal",
        "deals.list",
        "deals.show",
        "deals",
        "search deals by deal or company name",
        (("Stage / deal", None), ("Amount", 7), ("Close", 10)),
        _deal,
    ),
    Kind(
        "m",
        "Meetings",
        "Meeting",
        "meetings.list",
        "meetings.show",
        "meetings",
        "search meetings by title",
        (("When", 16), ("Meeting", None), ("Answers", 20)),
        _meeting,
    ),
    Kind(
        "t",
        "Threads",
        "Thread",
        "threads.list",
        "threads.show",
        "threads",
        "search threads by subject",
        (("Subject", None), ("Msgs", 4), ("Last", 16)),
        _thread,
    ),
)
BY_KEY = {k.key: k for k in KINDS}
BY_NAME = {k.name.lower(): k for k in KINDS}


def title(kind: Kind, record: dict[str, Any]) -> str:
    """A record's name as a heading reads it."""
    for field in ("name", "title", "subject", "email"):
        if record.get(field):
            return str(record[field])
    return f"{kind.noun} {record.get('id')}"
