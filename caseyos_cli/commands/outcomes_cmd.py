"""caseyos outcomes ...: did the moves work?"""

from __future__ import annotations

import typer

from caseyos_cli import cli, complete, output
from daemon.vocabulary import OUTCOME_KINDS

app = cli.App(help="Outcomes: what came of the moves.", panel=cli.WORK)
JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")

KINDS = OUTCOME_KINDS


@app.command(
    examples=[
        "caseyos outcomes record 7 replied",
        "caseyos outcomes record 7 meeting_booked --note 'demo on Tuesday'",
    ],
    op="outcomes.record",
)
def record(
    move_id: int = typer.Argument(
        ...,
        min=1,
        metavar="ID",
        help="The move's id (the # column of `caseyos queue`).",
        autocompletion=complete.move_ids("accepted", "done"),
    ),
    kind: str = typer.Argument(
        ...,
        metavar="KIND",
        help="One of: " + ", ".join(KINDS) + ".",
        autocompletion=complete.choices(*KINDS),
    ),
    note: str = typer.Option(None, "--note", metavar="TEXT", help="Anything worth remembering."),
    as_json: bool = JSON,
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


@app.command(
    examples=["caseyos outcomes stats", "caseyos outcomes stats --json"],
    op="outcomes.stats",
)
def stats(as_json: bool = JSON) -> None:
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
