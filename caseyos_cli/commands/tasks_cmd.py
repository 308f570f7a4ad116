"""caseyos tasks ...: the CRM's to-dos, as imported."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output, paging, records, style, timefmt

app = cli.App(help="Tasks: the to-dos in your CRM.", panel=cli.DATA)


@app.command(
    "list",
    examples=[
        "caseyos tasks list",
        "caseyos tasks list --due-before tomorrow",
        "caseyos tasks list --status done --json",
    ],
    op="tasks.list",
)
def list_(
    query: str | None = records.QUERY,
    status: str = typer.Option(
        "open", "--status", metavar="STATUS", help="open (the default), done or all."
    ),
    due_before: str | None = typer.Option(
        None, "--due-before", metavar="WHEN", help="Only tasks due before this."
    ),
    limit: int = paging.limit_option(50, "tasks"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = records.JSON,
) -> None:
    """CRM tasks, soonest due first."""
    params = {"query": query, "status": status, "due_before": due_before}
    result = paging.fetch(
        "tasks.list", params, "tasks", limit=limit, everything=everything, cursor=cursor
    )
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]

    def row(t: dict[str, Any]) -> list[str]:
        due = timefmt.when(t["due_at"], now, tz) if t["due_at"] else ""
        if t["status"] not in ("completed", "done") and timefmt.is_past(t["due_at"], now):
            due = style.paint(due, "overdue")
        return [
            str(t["id"]),
            t["title"],
            due,
            records.word(t["priority"]),
            records.word(t["status"]),
        ]

    records.show_list(
        result,
        "tasks",
        "tasks",
        [
            ("#", {"justify": "right", "no_wrap": True}),
            ("Task", {"ratio": 1, "no_wrap": True, "overflow": "ellipsis"}),
            ("Due", {"no_wrap": True}),
            ("Priority", {"no_wrap": True}),
            ("Status", {"no_wrap": True}),
        ],
        row,
    )
