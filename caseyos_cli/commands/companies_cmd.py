"""caseyos companies ...: the accounts an import brought in."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output, paging, records, timefmt

app = cli.App(help="Companies: the accounts your contacts and deals belong to.", panel=cli.DATA)


@app.command(
    "list",
    examples=[
        "caseyos companies list",
        "caseyos companies list robotics",
        "caseyos companies list --tier 1 --json",
    ],
    op="companies.list",
)
def list_(
    query: str | None = records.QUERY,
    tier: str | None = typer.Option(
        None, "--tier", metavar="TIER", help="Only this account tier (1, 2 or 3)."
    ),
    limit: int = paging.limit_option(50, "companies"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = records.JSON,
) -> None:
    """Companies by name; words find them by name or domain."""
    result = paging.fetch(
        "companies.list",
        {"query": query, "tier": tier},
        "companies",
        limit=limit,
        everything=everything,
        cursor=cursor,
    )
    if as_json:
        output.print_json(result)
        return

    def row(c: dict[str, Any]) -> list[str]:
        return [str(c["id"]), c["name"], c["domain"], c["tier"] or "", c["industry"] or ""]

    records.show_list(
        result,
        "companies",
        "companies",
        [
            ("#", {"justify": "right", "no_wrap": True}),
            ("Name", {"ratio": 3, "no_wrap": True, "overflow": "ellipsis"}),
            ("Domain", {"ratio": 3, "no_wrap": True, "overflow": "ellipsis"}),
            ("Tier", {"no_wrap": True}),
            ("Industry", {"ratio": 2, "no_wrap": True, "overflow": "ellipsis"}),
        ],
        row,
    )


@app.command(
    examples=[
        "caseyos companies show 4",
        "caseyos companies show acme-robotics.example",
        "caseyos companies show kestrel --json",
    ],
    op="companies.show",
)
def show(ref: str = records.REF, as_json: bool = records.JSON) -> None:
    """One company: its people, deals, open pipeline, moves and signals."""
    result = output.call("companies.show", {"ref": ref}, flags={"ref": "REF"})
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]
    c = result["company"]
    records.heading(f"{c['name']} ({c['domain']})", f"#{c['id']}")
    records.fields(
        [
            ("industry", c["industry"]),
            ("size", f"{c['size']:,} people" if c["size"] else None),
            ("tier", c["tier"]),
            ("open pipeline", records.money(result["open_pipeline"])),
        ]
    )
    records.section(
        "People",
        [
            f"#{p['id']:<4} {p['name'] or p['email']} <{p['email']}>"
            + (
                f" · wrote {timefmt.when(p['last_inbound_at'], now, tz)}"
                if p["last_inbound_at"]
                else ""
            )
            for p in result["contacts"]
        ],
        result["contacts_total"],
    )
    records.section(
        "Deals",
        [
            f"#{d['id']:<4} {d['name']} · {d['stage_label']} · {records.money(d['amount'])}"
            for d in result["deals"]
        ],
    )
    records.linked(result)
