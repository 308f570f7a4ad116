"""caseyos report ...: briefs computed from the workspace on demand."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, output

app = cli.App(help="Reports: the weekly pipeline brief.", panel=cli.WORK)

JSON = typer.Option(False, "--json", help="Print JSON for scripts.")


def _money(amount: float) -> str:
    if abs(amount) >= 1_000_000:
        return f"${amount / 1_000_000:.1f}m"
    return f"${amount / 1000:.0f}k" if abs(amount) >= 1000 else f"${amount:.0f}"


def _against(now: float, before: dict[str, Any] | None) -> str:
    if before is None:
        return "no review last week to compare with"
    change = now - float(before["weighted"])
    way = "up" if change > 0 else "down" if change < 0 else "level"
    amount = f" {_money(abs(change))}" if change else ""
    return f"{way}{amount} on {before['week']} ({_money(float(before['weighted']))})"


@app.command(
    examples=["caseyos report pipeline", "caseyos report pipeline --json"],
    op="reports.pipeline",
)
def pipeline(as_json: bool = JSON) -> None:
    """The pipeline by stage, what moved this week, stalled value and the forecast."""
    result = output.call("reports.pipeline", {})
    if as_json:
        output.print_json(result)
        return
    totals, moved = result["totals"], result["movement"]
    print(f"Pipeline, week {result['week']}")
    if not result["stages"]:
        print("  No open deals.")
    else:
        print(f"  {'stage':<26}{'deals':>6}{'value':>10}{'weighted':>10}  stalled")
        rows = [
            (
                s["label"],
                s["count"],
                s["value"],
                s["weighted"],
                s["stalled_count"],
                s["stalled_value"],
            )
            for s in result["stages"]
        ]
        rows.append(
            (
                "all open",
                totals["open_count"],
                totals["open_value"],
                totals["weighted"],
                totals["stalled_count"],
                totals["stalled_value"],
            )
        )
        for label, count, value, weighted, stalled_count, stalled_value in rows:
            stalled = f"{stalled_count} ({_money(stalled_value)})" if stalled_count else "-"
            print(
                f"  {label[:25]:<26}{count:>6}{_money(value):>10}{_money(weighted):>10}  {stalled}"
            )
    changes = moved["stage_changes"]
    print(
        output.wrap(
            f"Last 7 days: {output.plural(len(changes), 'stage change')}, "
            f"{output.plural(moved['new_deals'], 'new deal')}; won "
            f"{_money(moved['won_value'])}, lost {_money(moved['lost_value'])}."
        )
    )
    for c in changes:
        print(output.wrap(f"{c['deal']}: {c['from_stage']} -> {c['to_stage']}", indent="  "))
    print(
        output.wrap(
            f"Forecast {_money(totals['weighted'])} weighted, "
            f"{_against(totals['weighted'], result['last_week'])}. Stalled means more than "
            f"{result['stalled_days']} days in the stage."
        )
    )
