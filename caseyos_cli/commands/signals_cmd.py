"""caseyos signals ...: what happened, as the agents saw it."""

from __future__ import annotations

import typer

from caseyos_cli import cli, complete, output, paging, records

app = cli.App(help="Signals: things that happened, with a time.", panel=cli.WORK)

JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
SINCE = typer.Option(
    "7d", "--since", metavar="WHEN", help="How far back: 7d, 24h, yesterday, a date."
)


@app.command(
    "list",
    examples=[
        "caseyos signals list",
        "caseyos signals list --since 24h --kind email.replied",
        "caseyos signals list --since 2026-11-01 -n 500 --json",
    ],
    op="signals.list",
)
def list_(
    since: str = SINCE,
    kind: str = typer.Option(
        None,
        "--kind",
        "-k",
        metavar="KIND",
        help="Only this kind, e.g. email.replied.",
        autocompletion=complete.signal_kinds,
    ),
    limit: int = paging.limit_option(100, "signals"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = JSON,
) -> None:
    """Signals since a time, newest first."""
    from caseyos_cli import timefmt

    result = paging.fetch(
        "signals.list",
        {"since": since, "kind": kind},
        "signals",
        limit=limit,
        everything=everything,
        cursor=cursor,
        flags={"since": "--since", "kind": "--kind"},
    )
    if as_json:
        output.print_json(result)
        return
    if not result["signals"]:
        print("No signals in that window.")
        return
    table = output.table(expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("about", ratio=1, overflow="ellipsis", no_wrap=True)
    for s in result["signals"]:
        about = records.signal_about(s)
        when = timefmt.when(s["occurred_at"], result["now"], result["timezone"])
        table.add_row(str(s["id"]), when, s["kind"], str(about))
    output.console().print(table)
    paging.say_if_cut(result, "signals", "signals")


@app.command(
    examples=["caseyos signals stats", "caseyos signals stats --since 30d --json"],
    op="signals.stats",
)
def stats(since: str = SINCE, as_json: bool = JSON) -> None:
    """Signal counts by kind and source."""
    from caseyos_cli import timefmt

    result = output.call("signals.stats", {"since": since}, flags={"since": "--since"})
    if as_json:
        output.print_json(result)
        return
    # Older daemons answer without the zone and the clock: then UTC and this machine's now.
    tz, now = result.get("timezone", "UTC"), result.get("now")
    print(
        output.wrap(
            f"{output.plural(result['total'], 'signal')} since "
            f"{timefmt.exact(result['since'], now, tz)} "
            f"({result['unprocessed']:,} waiting for agents)"
        )
    )
    for kind, n in sorted(result["by_kind"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind:<26} {n:>6,}")
    sources = ", ".join(f"{k} {v:,}" for k, v in result["by_source"].items())
    print(output.wrap(f"by source: {sources or 'none'}", indent="  "))
