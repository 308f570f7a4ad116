"""caseyos connectors ...: the live connectors (HubSpot, Gmail, Calendar, Drive) and syncing."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, complete, output, timefmt

app = cli.App(
    help="Live connectors: HubSpot, Gmail, Calendar and Drive, and syncing them.",
    panel=cli.DATA,
)
NAMES = ("hubspot", "gmail", "calendar", "drive")
JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")
FLAGS = {"name": "NAME", "full": "--full"}


def _name_argument(required: bool) -> Any:
    return typer.Argument(
        ... if required else None,
        metavar="NAME",
        help="hubspot, gmail, calendar or drive" + ("." if required else " (all if left out)."),
        autocompletion=complete.choices(*NAMES),
        show_default=False,
    )


def _state_role(state: str) -> str:
    return {
        "ok": "status.succeeded",
        "syncing": "status.running",
        "never synced": "muted",
        "not connected": "muted",
        "needs re-auth": "error",
    }.get(state, "warning")


def _last(c: dict[str, Any], result: dict[str, Any]) -> str:
    if not c["last_sync_at"]:
        return "never"
    return timefmt.when(c["last_sync_at"], result["now"], result["timezone"])


@app.command(
    "list",
    examples=["caseyos connectors list", "caseyos connectors list --json"],
    op="connectors.list",
)
def list_(as_json: bool = JSON) -> None:
    """Each live connector: signed in or not, its state, last sync and records."""
    result = output.call("connectors.list", {})
    if as_json:
        output.print_json(result)
        return
    from rich.text import Text

    from caseyos_cli import style

    table = output.table()
    for name in ("Connector", "State", "Last sync", "Records"):
        table.add_column(name, no_wrap=True, justify="right" if name == "Records" else "left")
    for c in result["connectors"]:
        state = Text(c["state"], style=style.rich(_state_role(c["state"])))
        table.add_row(c["name"], state, _last(c, result), f"{c['records']:,}")
    output.console().print(table)
    _advice(result["connectors"])


def _advice(connectors: list[dict[str, Any]]) -> None:
    """One line per thing to do: sign in, sign in again."""
    services: dict[str, list[str]] = {}
    for c in connectors:
        if not c["connected"] or c["needs_reauth"]:
            services.setdefault(c["service"], []).append(c["name"])
    for service, names in services.items():
        output.note(output.wrap(f"{', '.join(names)}: `caseyos auth login {service}` to connect."))


@app.command(
    examples=[
        "caseyos connectors status",
        "caseyos connectors status gmail",
        "caseyos connectors status hubspot --json",
    ],
    op="connectors.list",
)
def status(name: str | None = _name_argument(False), as_json: bool = JSON) -> None:
    """Each connector in detail: streams, cursor age, errors, circuit, next sync, settings."""
    result = output.call("connectors.list", {"name": name}, flags=FLAGS)
    if as_json:
        output.print_json(result)
        return
    from caseyos_cli import style

    for i, c in enumerate(result["connectors"]):
        if i:
            print()
        head = f"{c['name']} ({c['summary']})"
        print(output.wrap(head, indent="  "))
        print("  " + style.paint(c["state"], _state_role(c["state"])))
        if c["needs_reauth"]:
            print(output.wrap(f"sign in again: {c['needs_reauth']}", indent="    ", first="  "))
        if c["error"]:
            print(output.wrap(f"error: {c['error']}", indent="    ", first="  "))
        if c["connected"]:
            every = timefmt.duration(c["every_seconds"])
            line = f"  syncs every {every}"
            if c["running_job"]:
                line += f"; syncing now (job {c['running_job']})"
            elif c["next_sync_in"] is not None:
                line += f"; next in {timefmt.duration(c['next_sync_in'])}"
            print(line)
        if c["circuit"] != "closed":
            print(f"  circuit {c['circuit']}: requests paused after repeated failures")
        for st in c["streams"]:
            moved = "not started"
            if st["cursor_at"]:
                moved = timefmt.when(st["cursor_at"], result["now"], result["timezone"])
            line = f"  {st['stream']}: {st['records']:,} records, cursor moved {moved}"
            print(output.wrap(line, indent="    "))
            if st["last_error"]:
                print(output.wrap(f"error: {st['last_error']}", indent="      ", first="    "))
        knobs = ", ".join(f"{k}={v}" for k, v in c["settings"].items())
        if knobs:
            print(output.wrap(f"settings: {knobs}", indent="    ", first="  "))


@app.command(
    examples=[
        "caseyos connectors sync",
        "caseyos connectors sync gmail",
        "caseyos connectors sync hubspot --full --no-wait",
    ],
    op="connectors.sync",
)
def sync(
    name: str | None = _name_argument(False),
    full: bool = typer.Option(
        False, "--full", help="Forget where each stream got to and sync everything again."
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the job id and return; the sync goes on."
    ),
    as_json: bool = JSON,
) -> None:
    """Sync now, as a job with a progress bar; an interrupted sync resumes where it ended.

    Ctrl-C stops watching, not the sync.
    """
    from caseyos_cli import jobwatch

    what = name or "connectors"
    started, job = jobwatch.start_and_follow(
        "connectors.sync",
        {"name": name, "full": full},
        label=f"Syncing {what}",
        wait=not no_wait,
        flags=FLAGS,
    )
    if job is None:
        job = started["job"]
        if as_json:
            output.print_json(job)
        else:
            print(job["id"])
            output.note(
                output.wrap(f"Syncing as job {job['id']}: `caseyos jobs show {job['id']}`.")
            )
        return
    jobwatch.check_ended_well(job, f"sync of {what}")
    result = job["result"]
    if as_json:
        output.print_json(result)
    else:
        _report(result)
    statuses = [o["status"] for o in result["connectors"].values()]
    if "needs_reauth" in statuses:
        raise typer.Exit(output.AUTH)
    if any(s != "synced" for s in statuses):
        raise typer.Exit(output.FAILURE)


def _report(result: dict[str, Any]) -> None:
    for name, outcome in result["connectors"].items():
        new = ", ".join(output.counted(v, f"new {k}") for k, v in outcome["counts"].items())
        if outcome["status"] == "synced":
            print(output.wrap(f"{name}: {new or 'nothing new'}.", indent="  "))
        else:
            line = f"{name}: {outcome['error']}" + (f" (kept: {new})" if new else "")
            output.note(output.wrap(line, indent="  "))
    q = result.get("queue")
    if q:
        print(f"Queue: {output.plural(q['proposed'], 'new move')}, {q['resolved']:,} resolved.")


@app.command(
    "set",
    examples=[
        "caseyos connectors set gmail every_minutes 10",
        "caseyos connectors set gmail window_days 30",
        "caseyos connectors set calendar calendars primary,team@example.com",
    ],
    op="connectors.set",
)
def set_(
    name: str = _name_argument(True),
    knob: str = typer.Argument(
        ...,
        metavar="KNOB",
        help="every_minutes, or one of the connector's own (`connectors status NAME`).",
        show_default=False,
    ),
    value: str = typer.Argument(
        ..., metavar="VALUE", help="A number, yes/no, or a comma-separated list."
    ),
    as_json: bool = JSON,
) -> None:
    """Change one setting of a connector: how often it syncs, how far back it reads..."""
    result = output.call(
        "connectors.set",
        {"name": name, "knob": knob, "value": value},
        flags={"name": "NAME", "knob": "KNOB", "value": "VALUE"},
    )
    if as_json:
        output.print_json(result)
        return
    knobs = ", ".join(f"{k}={v}" for k, v in result["settings"].items())
    every = timefmt.duration(result["every_seconds"])
    print(output.wrap(f"{result['name']}: syncs every {every}" + (f"; {knobs}" if knobs else "")))
