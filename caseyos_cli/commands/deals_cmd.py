"""caseyos deals ...: the pipeline an import brought in."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output, paging, records, timefmt

app = cli.App(help="Deals: your pipeline, by close date.", panel=cli.DATA)


@app.command(
    "list",
    examples=[
        "caseyos deals list --open",
        'caseyos deals list --stage "contract sent" --min-amount 20000',
        "caseyos deals list --closing-before 'next week' --json",
    ],
    op="deals.list",
)
def list_(
    query: str | None = records.QUERY,
    stage: list[str] = typer.Option(
        [], "--stage", "-s", metavar="STAGE", help="Only this stage, as shown or its id (repeat)."
    ),
    min_amount: float | None = typer.Option(
        None, "--min-amount", min=0, metavar="AMOUNT", help="Only deals worth at least this."
    ),
    closing_before: str | None = typer.Option(
        None, "--closing-before", metavar="WHEN", help="Only deals closing before this day."
    ),
    open_only: bool = typer.Option(False, "--open", help="Leave out closed won and lost deals."),
    limit: int = paging.limit_option(50, "deals"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = records.JSON,
) -> None:
    """Deals, soonest close date first; words find them by deal or company name."""
    params = {
        "query": query,
        "stage": stage,
        "min_amount": min_amount,
        "closing_before": closing_before,
        "open": open_only,
    }
    result = paging.fetch(
        "deals.list", params, "deals", limit=limit, everything=everything, cursor=cursor
    )
    if as_json:
        output.print_json(result)
        return

    def row(d: dict[str, Any]) -> list[str]:
        close = timefmt.day(d["close_date"], result["now"], result["timezone"])
        return [str(d["id"]), d["name"], d["stage_label"], records.money(d["amount"]), close]

    records.show_list(
        result,
        "deals",
        "deals",
        [
            ("#", {"justify": "right", "no_wrap": True}),
            ("Deal", {"ratio": 3, "no_wrap": True, "overflow": "ellipsis"}),
            ("Stage", {"no_wrap": True, "max_width": 24, "overflow": "ellipsis"}),
            ("Amount", {"justify": "right", "no_wrap": True}),
            ("Closes", {"no_wrap": True}),
        ],
        row,
    )


@app.command(
    examples=["caseyos deals show 3", "caseyos deals show rollout", "caseyos deals show 3 --json"],
    op="deals.show",
)
def show(ref: str = records.REF, as_json: bool = records.JSON) -> None:
    """One deal: company, contacts, open tasks, notes, moves and signals."""
    result = output.call("deals.show", {"ref": ref}, flags={"ref": "REF"})
    if as_json:
        output.print_json(result)
        return
    now, tz = result["now"], result["timezone"]
    d = result["deal"]
    records.heading(d["name"], f"#{d['id']}")
    company = d["company"]
    records.fields(
        [
            ("company", f"{company['name']} ({company['domain']})" if company else None),
            ("stage", f"{d['stage_label']} ({d['pipeline']})"),
            (
                "in stage since",
                d["stage_entered_at"] and timefmt.exact(d["stage_entered_at"], now, tz),
            ),
            ("amount", records.money(d["amount"], d["currency"])),
            ("closes", d["close_date"] and timefmt.day(d["close_date"], now, tz)),
            (
                "last activity",
                d["last_activity_at"] and timefmt.when(d["last_activity_at"], now, tz),
            ),
        ]
    )
    records.section(
        "Contacts",
        [f"#{c['id']:<4} {c['name'] or c['email']} <{c['email']}>" for c in result["contacts"]],
    )
    records.section(
        "Open tasks",
        [
            f"#{t['id']:<4} {timefmt.when(t['due_at'], now, tz):<16} {t['title']}"
            for t in result["tasks"]
        ],
    )
    records.section("Notes", [n.replace("\n", " ") for n in result["notes"]])
    records.linked(result)
