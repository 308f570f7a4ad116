"""caseyos settings ...: the APS weights, typical deal size and ideal customer profile."""

from __future__ import annotations

import typer

from caseyos_cli import cli, output

app = cli.App(
    help="Settings: how moves are scored and who your ideal customer is.", panel=cli.DAEMON
)

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")
FLAGS = {"key": "KEY", "value": "VALUE"}


@app.command(
    "list",
    examples=["caseyos settings list", "caseyos settings list --json"],
    op="settings.list",
)
def list_(as_json: bool = JSON) -> None:
    """Each setting with its value, its default when changed, and what it does."""
    result = output.call("settings.list", {})
    if as_json:
        output.print_json(result)
        return
    for s in result["settings"]:
        line = f"{s['key']} = {output.setting(s['value'])}"
        if s["value"] != s["default"]:
            line += f" (default {output.setting(s['default'])})"
        print(output.wrap(line, indent="      ", first="  "))
        print(output.wrap(s["help"], indent="      ", first="      "))
    print("Change one with `caseyos settings set KEY VALUE` (VALUE default puts it back).")


@app.command(
    "set",
    examples=[
        "caseyos settings set weights.urgency 0.4",
        "caseyos settings set icp.industries fintech,insurance",
        "caseyos settings set icp.max_employees none",
        "caseyos settings set typical_deal_size default",
    ],
    op="settings.set",
)
def set_(
    key: str = typer.Argument(
        ...,
        metavar="KEY",
        help="A setting, as `caseyos settings list` names it.",
        show_default=False,
    ),
    value: str = typer.Argument(
        ...,
        metavar="VALUE",
        help="A number, a comma-separated list, none, or default.",
        show_default=False,
    ),
    rescore: bool = typer.Option(
        True,
        "--rescore/--no-rescore",
        help="Rescore the open moves now (else the next pass does, within a minute).",
    ),
    as_json: bool = JSON,
) -> None:
    """Change one setting; the open moves are rescored with it."""
    s = output.call("settings.set", {"key": key, "value": value}, flags=FLAGS)
    rescored = None
    if rescore:
        from caseyos_cli import jobwatch

        _, job = jobwatch.start_and_follow("agents.run", {}, label="Rescoring", flags=FLAGS)
        assert job is not None
        jobwatch.check_ended_well(job, "the rescoring pass")
        rescored = int(job["result"]["report"]["rescored"])
    if as_json:
        output.print_json({**s, "rescored": rescored})
        return
    line = f"{s['key']} = {output.setting(s['value'])}"
    if rescored is not None:
        line += f"; {output.plural(rescored, 'open move')} rescored."
    print(output.wrap(line))
