"""caseyos outcomes ...: did the moves work?"""

from __future__ import annotations

import typer

from caseyos_cli import output
from daemon.vocabulary import OUTCOME_KINDS

app = typer.Typer(help="Outcomes: what came of the moves.", no_args_is_help=True)

KINDS = OUTCOME_KINDS


@app.command()
def record(
    move_id: int = typer.Argument(..., min=1, help="The move's id."),
    kind: str = typer.Argument(..., help="One of: " + ", ".join(KINDS) + "."),
    note: str = typer.Option(None, "--note", help="Anything worth remembering."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record what came of a move."""
    if kind not in KINDS:
        output.fail(f"unknown outcome {kind!r}; use one of: {', '.join(KINDS)}", output.USAGE)
    result = output.call(
        "outcomes.record",
        {"move_id": move_id, "kind": kind, "note": note},
        flags={"kind": "KIND", "note": "--note"},
    )
    if as_json:
        output.print_json(result)
        return
    print(f"Recorded {kind} for move #{move_id}.")


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")) -> None:
    """Per agent and move type: acceptance, success and time to outcome."""
    result = output.call("outcomes.stats", {})
    if as_json:
        output.print_json(result)
        return
    if not result["groups"]:
        print("No moves yet.")
        return

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.0%}"

    table = output.table()
    # Short headers keep all nine columns inside 80 characters; `--json` has the full names.
    for col in ("agent", "type", "prop", "acc", "done", "won", "acc%", "won%", "hrs"):
        table.add_column(col, justify="left" if col in ("agent", "type") else "right", no_wrap=True)
    for g in result["groups"]:
        hours = g["median_hours_to_outcome"]
        table.add_row(
            g["agent"],
            g["move_type"],
            str(g["proposed"]),
            str(g["accepted"]),
            str(g["executed"]),
            str(g["positive"]),
            pct(g["acceptance_rate"]),
            pct(g["success_rate"]),
            "-" if hours is None else f"{hours:.0f}",
        )
    output.console().print(table)
    print(
        output.wrap(
            "prop proposed, acc accepted, won = moves with a positive outcome, "
            "hrs = median hours from done to outcome"
        )
    )
    if result["by_kind"]:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(result["by_kind"].items()))
        print(output.wrap(f"outcomes: {kinds}", indent="  "))
