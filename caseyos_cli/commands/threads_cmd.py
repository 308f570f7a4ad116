"""caseyos threads ...: the mail an import brought in, by conversation."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output, paging, records, timefmt

app = cli.App(help="Threads: your mail, one conversation at a time.", panel=cli.DATA)


@app.command(
    "list",
    examples=[
        "caseyos threads list",
        "caseyos threads list pricing --external",
        "caseyos threads list --with dana@acme.example --json",
    ],
    op="threads.list",
)
def list_(
    query: str | None = records.QUERY,
    contact: str | None = typer.Option(
        None, "--with", metavar="CONTACT", help="Only threads with this contact."
    ),
    external: bool = typer.Option(
        False, "--external", help="Leave out threads among your own colleagues."
    ),
    limit: int = paging.limit_option(50, "threads"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = records.JSON,
) -> None:
    """Mail threads, latest message first; words find them by subject."""
    params = {"query": query, "contact": contact, "external": external}
    result = paging.fetch(
        "threads.list", params, "threads", limit=limit, everything=everything, cursor=cursor
    )
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]

    def row(t: dict[str, Any]) -> list[str]:
        last = timefmt.when(t["last_message_at"], now, tz)
        return [str(t["id"]), last, t["subject"] or "(no subject)", str(t["messages"])]

    records.show_list(
        result,
        "threads",
        "threads",
        [
            ("#", {"justify": "right", "no_wrap": True}),
            ("Last", {"no_wrap": True}),
            ("Subject", {"ratio": 1, "no_wrap": True, "overflow": "ellipsis"}),
            ("Msgs", {"justify": "right", "no_wrap": True}),
        ],
        row,
    )


@app.command(
    examples=["caseyos threads show 12", "caseyos threads show 'pricing questions' --json"],
    op="threads.show",
)
def show(ref: str = records.REF, as_json: bool = records.JSON) -> None:
    """One thread: its people, its latest messages, moves and signals."""
    result = output.call("threads.show", {"ref": ref}, flags={"ref": "REF"})
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]
    t = result["thread"]
    records.heading(t["subject"] or "(no subject)", f"#{t['id']}")
    records.fields(
        [
            ("messages", str(t["messages"])),
            ("last", timefmt.exact(t["last_message_at"], now, tz)),
            ("with", ", ".join(p["name"] or p["email"] for p in result["people"])),
            ("internal", "yes, only colleagues" if t["is_internal"] else None),
        ]
    )
    for m in result["last_messages"]:
        who = m["from_name"] or m["from_addr"]
        print()
        records.heading(f"{timefmt.exact(m['sent_at'], now, tz)} · {who}", m["direction"])
        body = m["body"].strip()
        print(output.wrap(body[:600] + ("…" if len(body) > 600 else ""), indent="  ", first="  "))
    records.linked(result)
