"""caseyos signals ...: what happened, as the agents saw it."""

from __future__ import annotations

import typer

from caseyos_cli import output

app = typer.Typer(help="Signals: things that happened, with a time.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
SINCE = typer.Option("7d", "--since", help="How far back: 7d, 24h, yesterday, a date.")


@app.command("list")
def list_(
    since: str = SINCE,
    kind: str = typer.Option(None, "--kind", "-k", help="Only this kind, e.g. email.replied."),
    limit: int = typer.Option(100, "--limit", "-n", min=1, max=5000),
    as_json: bool = JSON,
) -> None:
    """Signals since a time, newest first."""
    from caseyos_cli import timefmt

    result = output.call(
        "signals.list",
        {"since": since, "kind": kind, "limit": limit},
        flags={"since": "--since", "kind": "--kind", "limit": "--limit"},
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
        p = s["payload"]
        about = p.get("subject") or p.get("title") or p.get("deal") or p.get("email") or ""
        when = timefmt.when(s["occurred_at"], result["now"], result["timezone"])
        table.add_row(str(s["id"]), when, s["kind"], str(about))
    output.console().print(table)


@app.command()
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
