"""Long lists on the command line: --limit N, --all, --cursor, and saying when a list is cut.

The daemon returns at most 1,000 rows a request with the total and a cursor; a larger
--limit or --all follows the cursors here, so neither the frame size nor the daemon's page
cap is something a user has to know about.
"""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import output

PAGE_MAX = 1000  # what the daemon returns per request (daemon.domain.paging.PAGE_MAX)


PANEL = "Paging flags"


def limit_option(default: int, what: str) -> Any:
    return typer.Option(
        default,
        "--limit",
        "-n",
        min=1,
        metavar="N",
        help=f"Show at most N {what}.",
        rich_help_panel=PANEL,
    )


ALL = typer.Option(
    False, "--all", "-a", help="Show every one (follows the pages for you).", rich_help_panel=PANEL
)
CURSOR = typer.Option(
    None,
    "--cursor",
    metavar="CURSOR",
    help="Continue where an earlier page ended (next_cursor in --json).",
    rich_help_panel=PANEL,
)


def fetch(
    op: str,
    params: dict[str, Any],
    key: str,
    *,
    limit: int,
    everything: bool = False,
    cursor: str | None = None,
    flags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Call a list operation for as many pages as `limit` (or `everything`) asks.

    The result is the first page's, with `key` holding every row fetched, and `total` and
    `next_cursor` describing what is left, as a script reading --json expects. `flags`
    names the command's options for the daemon's params in error messages.
    """
    named = {"limit": "--limit", "cursor": "--cursor", **(flags or {})}
    want = None if everything else limit
    rows: list[Any] = []
    first: dict[str, Any] | None = None
    while True:
        size = PAGE_MAX if want is None else min(PAGE_MAX, want - len(rows))
        page = output.call(op, {**params, "limit": size, "cursor": cursor}, flags=named)
        first = first or page
        rows += page[key]
        cursor = page["next_cursor"]
        if not cursor or (want is not None and len(rows) >= want):
            break
    assert first is not None
    return {**first, key: rows, "next_cursor": cursor, "total": page["total"]}


def say_if_cut(result: dict[str, Any], key: str, noun: str) -> bool:
    """On stderr, when a list shows less than all: how much, and how to see the rest."""
    shown, total = len(result[key]), result["total"]
    if shown >= total:
        return False
    output.note(f"showing {shown:,} of {total:,} {noun}; --limit N or --all for more")
    return True
