"""How a move reads in the dashboard's table: its cells, its filter text, its rank.

Pure functions of the daemon's `MoveOut` (as JSON) and the daemon's clock, so the table,
the filter and the tests agree on one rendering. No Textual here: Rich text only.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from caseyos_cli import style, timefmt

# Columns of the Today table: key, header, width (None: what the others leave). "Why now"
# shows only on a wide terminal; the preview under the table always shows it whole.
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("aps", "APS", 3),
    ("status", "", 1),
    ("move", "Move", 13),
    ("who", "Who", None),
    ("why", "Why now", None),
    ("due", "Due", 15),
)
# From this width on, "Why now" gets a column of its own.
WIDE = 120
# A glyph per status beside the score: what the operator did to the move.
STATUS_MARK = {
    "pending": " ",
    "accepted": "✓",
    "snoozed": "z",
    "done": "●",
    "dismissed": "✗",
    "failed": "!",
    "expired": "-",
    "resolved": "-",
}
MOVE_LABELS = {
    "reply": "Reply",
    "follow_up": "Follow up",
    "first_touch": "First touch",
    "meeting_prep": "Meeting prep",
    "meeting_follow_up": "Meeting recap",
    "book_meeting": "Book meeting",
    "deal_review": "Deal review",
    "send_proposal": "Proposal",
    "renewal": "Renewal",
    "check_in": "Check in",
    "data_fix": "Data fix",
    "review_pipeline": "Pipeline",
    "task": "Task",
}


class Ranked(Text):
    """The APS cell, carrying the move's place in the daemon's order (for sorting rows in
    place without reading the score back out of the text)."""

    rank: tuple[float, int] = (0.0, 0)


def who(move: dict[str, Any]) -> str:
    contact = move.get("contact") or {}
    company = move.get("company") or {}
    name = contact.get("name") or contact.get("email") or ""
    org = company.get("name") or ""
    if name and org:
        return f"{name} ({org})"
    return name or org or "-"


def label(move: dict[str, Any]) -> str:
    return MOVE_LABELS.get(move["move_type"], move["move_type"].replace("_", " ").capitalize())


def cells(move: dict[str, Any], rank: int, now: str, tz: str) -> tuple[Any, ...]:
    """The row of one move: score, status mark, move, who, why now, due."""
    aps = Ranked(f"{move['aps']:>3.0f}", style=style.rich(style.aps_role(move["aps"])))
    aps.rank = (rank, move["id"])
    status = move["status"]
    quiet = status not in ("pending", "accepted")
    mark = Text(STATUS_MARK.get(status, "?"), style=style.rich(style.status_role(status)))
    due = timefmt.when(move["due_at"], now, tz)
    overdue = status == "pending" and timefmt.is_past(move["due_at"], now) and due != "now"
    dim = "dim" if quiet else ""
    return (
        aps,
        mark,
        Text(label(move), style=dim),
        Text(who(move), style=dim, overflow="ellipsis", no_wrap=True),
        Text(" ".join(move["why_now"].split()), style=dim or "", overflow="ellipsis", no_wrap=True),
        Text(due, style=dim or ("red" if overdue else "")),
    )


def haystack(move: dict[str, Any]) -> str:
    """What the filter searches: the words a person would type to find the move."""
    return " ".join((move["title"], move["why_now"], who(move), label(move), move["agent"])).lower()


def matches(move: dict[str, Any], words: list[str]) -> bool:
    text = haystack(move)
    return all(w in text for w in words)
