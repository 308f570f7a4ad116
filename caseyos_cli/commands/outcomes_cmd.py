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


BY = ("agent", "move_type")


@app.command(
    examples=[
        "caseyos outcomes stats",
        "caseyos outcomes stats --by move_type",
        "caseyos outcomes stats --json",
    ],
    op="outcomes.stats",
)
def stats(
    by: str = typer.Option(
        "agent",
        "--by",
        metavar="GROUP",
        help="Group by agent or move_type.",
        autocompletion=complete.choices(*BY),
    ),
    as_json: bool = JSON,
) -> None:
    """Per agent (or move type): acceptance, success and time to outcome."""
    if by not in BY:
        output.fail(f"unknown grouping {by!r}; use agent or move_type", output.USAGE)
    result = output.call("outcomes.stats", {"by": by}, flags={"by": "--by"})
    if as_json:
        output.print_json(result)
        return
    if not result["groups"]:
        print("No moves yet.")
        return

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.0%}"

    table = output.table()
    # Short headers keep every column inside 80 characters; `--json` has the full names.
    name = "agent" if by == "agent" else "move type"
    for col in (name, "proposed", "accepted", "done", "won", "acc%", "won%", "hrs"):
        table.add_column(col, justify="left" if col == name else "right", no_wrap=True)
    for g in result["groups"]:
        hours = g["median_hours_to_outcome"]
        table.add_row(
            g[by],
            f"{g['proposed']:,}",
            f"{g['accepted']:,}",
            f"{g['executed']:,}",
            f"{g['positive']:,}",
            pct(g["acceptance_rate"]),
            pct(g["success_rate"]),
            "-" if hours is None else f"{hours:.0f}",
        )
    output.console().print(table)
    print(
        output.wrap(
            "won = done moves with a positive outcome (replied, meeting booked, deal advanced "
            "or won); hrs = median hours from done to it"
        )
    )
    if result["by_kind"]:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(result["by_kind"].items()))
        print(output.wrap(f"outcomes: {kinds}", indent="  "))
        sources = ", ".join(f"{k} {v:,}" for k, v in sorted(result["by_source"].items()))
        print(output.wrap(f"recorded: {sources}", indent="  "))
