"""Colour and emphasis for people at a terminal, and none at all for anyone else.

Output is styled only when it goes to a terminal, `NO_COLOR` is unset or empty (any other
value turns styling off) and `TERM` is not `dumb`; otherwise not even bold or dim is
written. Commands name what a thing *is* (a role) rather than how it looks:

    style.paint("overdue", "overdue")          plain print(): ANSI codes, or the text as is
    Text(title, style=style.rich("title"))     Rich renderables: the same roles
    style.aps_role(87.5) -> "aps.high"         scores in three bands
    style.status_role("failed") -> "status.failed"

Rich renders through `output.print_rich`, which applies the same rule. Standard library only.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

# How each role looks, as Rich style strings (which `paint` also understands).
ROLES: dict[str, str] = {
    "title": "bold",
    "header": "bold",
    "muted": "dim",
    "aps.high": "bold green",
    "aps.medium": "yellow",
    "aps.low": "dim",
    "overdue": "red",
    "status.pending": "cyan",
    "status.accepted": "blue",
    "status.snoozed": "magenta",
    "status.done": "green",
    "status.failed": "bold red",
    "status.dismissed": "dim",
    "status.expired": "dim",
    "status.resolved": "dim",
    "status.running": "cyan",
    "status.succeeded": "green",
    "status.cancelled": "dim",
    "status.interrupted": "yellow",
    "on": "green",
    "off": "dim",
    "warning": "yellow",
    "error": "red",
}
# APS bands: at or above HIGH a move is worth doing first, below LOW it can wait.
APS_HIGH = 70.0
APS_LOW = 40.0

_SGR = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def enabled(stream: TextIO | None = None) -> bool:
    """Whether `stream` (stdout by default) gets styled output."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    target = stream if stream is not None else sys.stdout
    try:
        return target.isatty()
    except (AttributeError, ValueError):
        return False


def rich(role: str) -> str:
    """The Rich style for a role ('' for an unknown one)."""
    return ROLES.get(role, "")


def paint(text: str, role: str, stream: TextIO | None = None) -> str:
    """`text` with the role's ANSI codes when `stream` is styled; `text` unchanged otherwise."""
    codes = [_SGR[word] for word in ROLES.get(role, "").split() if word in _SGR]
    if not codes or not text or not enabled(stream):
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def aps_role(score: float) -> str:
    if score >= APS_HIGH:
        return "aps.high"
    return "aps.medium" if score >= APS_LOW else "aps.low"


def status_role(status: str) -> str:
    return f"status.{status}"
