"""How a thread's messages read in the dashboard: newest last, quoted text folded.

A reply's quoted history ('>' lines, and an "On <date>, <who> wrote:" line with what
follows it) folds to one line, so a message shows what its sender newly wrote. Pure
functions; no Textual here.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

from caseyos_cli import timefmt

FOLDED = "[quoted text folded]"
# An attribution line may wrap over up to three lines before its "wrote:".
_WROTE = re.compile(r"\bwrote:\s*$")


def _attribution(lines: list[str], at: int) -> int:
    """How many lines an "On ... wrote:" attribution starting at `at` spans (0: none)."""
    if not lines[at].strip().startswith("On "):
        return 0
    for n in range(3):
        if at + n < len(lines) and _WROTE.search(lines[at + n].strip()):
            return n + 1
    return 0


def fold_quotes(body: str) -> list[str]:
    """The body's lines with each run of quoted text made one FOLDED line: '>' lines, and
    an "On ... wrote:" attribution with the quoted lines (and blank lines) after it."""
    lines = body.splitlines()
    out: list[str] = []
    n = 0
    while n < len(lines):
        span = _attribution(lines, n)
        quoted = span > 0 or lines[n].lstrip().startswith(">")
        if not quoted:
            out.append(lines[n].rstrip())
            n += 1
            continue
        n += span or 1
        while n < len(lines) and (lines[n].lstrip().startswith(">") or not lines[n].strip()):
            n += 1
        if out and out[-1] == FOLDED:
            continue
        while out and not out[-1]:
            out.pop()
        out.append(FOLDED)
    while out and not out[-1]:
        out.pop()
    return out


def message_text(message: dict[str, Any], now: str, tz: str) -> Text:
    """One message: who sent it and when, then its text with the quotes folded."""
    who = message.get("from_name") or message["from_addr"]
    arrow = "←" if message["direction"] == "inbound" else "→"
    when = timefmt.when(message["sent_at"], now, tz)
    text = Text.assemble((f"{arrow} {who}", "bold"), (f"  {when}", "dim"), "\n")
    for line in fold_quotes(message["body"]):
        text.append(f"  {line}\n", style="dim italic" if line == FOLDED else "")
    return text
