"""caseyos meetings ...: the calendar an import brought in."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output, paging, records, timefmt

app = cli.App(help="Meetings: your calendar, with who comes.", panel=cli.DATA)


@app.command(
    "list",
    examples=[
        "caseyos meetings list",
        "caseyos meetings list --from mon --to fri",
        'caseyos meetings list --with "Dana Reyes" --json',
    ],
    op="meetings.list",
)
def list_(
    query: str | None = records.QUERY,
    start: str | None = typer.Option(
        None, "--from", metavar="WHEN", help="From this time (default: the start of today)."
    ),
    end: str | None = typer.Option(None, "--to", metavar="WHEN", help="Up to this time."),
    contact: str | None = typer.Option(
        None, "--with", metavar="CONTACT", help="Only meetings with this contact."
    ),
    limit: int = paging.limit_option(50, "meetings"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = records.JSON,
) -> None:
    """Meetings in time order, from today on unless --from says otherwise."""
    params = {"query": query, "start": start, "end": end, "contact": contact}
    result = paging.fetch(
        "meetings.list", params, "meetings", limit=limit, everything=everything, cursor=cursor
    )
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]

    def row(m: dict[str, Any]) -> list[str]:
        people = [a["name"] or a["email"] for a in m["attendees"]]
        return [str(m["id"]), timefmt.when(m["start_at"], now, tz), m["title"], ", ".join(people)]

    records.show_list(
        result,
        "meetings",
        "meetings",
        [
            ("#", {"justify": "right", "no_wrap": True}),
            ("When", {"no_wrap": True}),
            ("Meeting", {"ratio": 3, "no_wrap": True, "overflow": "ellipsis"}),
            ("With", {"ratio": 2, "no_wrap": True, "overflow": "ellipsis"}),
        ],
        row,
    )


@app.command(
    examples=["caseyos meetings show 4", "caseyos meetings show 'contract review' --json"],
    op="meetings.show",
)
def show(ref: str = records.REF, as_json: bool = records.JSON) -> None:
    """One meeting: when, where, who comes and what they answered, moves and signals."""
    result = output.call("meetings.show", {"ref": ref}, flags={"ref": "REF"})
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]
    m = result["meeting"]
    records.heading(m["title"], f"#{m['id']}")
    records.fields(
        [
            (
                "when",
                f"{timefmt.exact(m['start_at'], now, tz)} to {timefmt.exact(m['end_at'], now, tz)}",
            ),
            ("where", m["location"]),
            ("organizer", m["organizer"]),
            ("status", m["status"]),
        ]
    )
    records.section(
        "Attendees",
        [f"{a['name'] or a['email']} <{a['email']}> · {a['response']}" for a in m["attendees"]],
    )
    records.linked(result)
