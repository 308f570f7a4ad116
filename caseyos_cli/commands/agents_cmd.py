"""caseyos agents ...: who proposes moves; inspecting, tuning and trying them."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, complete, output, timefmt

app = cli.App(help="Agents: they turn signals into moves.", panel=cli.DAEMON)

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")
AGENT = typer.Argument(
    ...,
    metavar="NAME",
    help="The agent's name, as `caseyos agents list` shows it.",
    autocompletion=complete.agent_names,
    show_default=False,
)
FLAGS = {"name": "NAME", "knob": "KNOB", "value": "VALUE"}


def _rate(a: dict[str, Any]) -> str:
    rate = a["acceptance_rate"]
    return "-" if rate is None else f"{rate * 100:.0f}%"


def _last(a: dict[str, Any], result: dict[str, Any]) -> str:
    if not a["last_run_at"]:
        return "never"
    return timefmt.when(a["last_run_at"], result["now"], result["timezone"])


@app.command(
    "list",
    examples=["caseyos agents list", "caseyos agents list --json"],
    op="agents.list",
)
def list_(as_json: bool = JSON) -> None:
    """Each agent: on or off, its last run, moves proposed in 30 days, acceptance rate."""
    result = output.call("agents.list", {})
    if as_json:
        output.print_json(result)
        return
    from rich.text import Text

    from caseyos_cli import style

    table = output.table()
    for name in ("Agent", "State", "Last run", "Proposed (30d)", "Accepted (90d)"):
        right = name.startswith(("Proposed", "Accepted"))
        table.add_column(name, no_wrap=True, justify="right" if right else "left")
    for a in result["agents"]:
        on = a["enabled"]
        state = Text("on" if on else "off", style=style.rich("on" if on else "off"))
        table.add_row(a["name"], state, _last(a, result), f"{a['proposed']:,}", _rate(a))
    output.console().print(table)
    print("`caseyos agents show NAME` says what one does, its knobs and runs.")


@app.command(
    examples=["caseyos agents show follow_up_due", "caseyos agents show deal_health --json"],
    op="agents.show",
)
def show(name: str = AGENT, as_json: bool = JSON) -> None:
    """What an agent proposes and why, its knobs and values, and its latest runs."""
    a = output.call("agents.show", {"name": name}, flags=FLAGS)
    if as_json:
        output.print_json(a)
        return
    from caseyos_cli import style

    state = "on" if a["enabled"] else "off"
    print(f"{style.paint(a['name'], 'title')} ({a['domain']}, {style.paint(state, state)})")
    for para in a["doc"].split("\n\n"):
        print(output.wrap(" ".join(para.split()), indent="  ", first="  "))
    print(output.wrap(f"reads: {', '.join(a['consumes'])}", indent="  ", first="  "))
    rate = _rate(a)
    decided = (
        f"acceptance rate {rate} ({a['accepted']:,} accepted, 90 days)"
        if rate != "-"
        else "none of its moves decided in 90 days"
    )
    line = f"proposed {a['proposed']:,} in 30 days; {decided}; last run {_last(a, a)}"
    print(output.wrap(line, indent="  ", first="  "))
    print()
    if a["knobs"]:
        print(style.paint("Knobs", "header") + f" (caseyos agents set {a['name']} KNOB VALUE)")
        for k in a["knobs"]:
            value = output.setting(k["value"])
            if k["value"] != k["default"]:
                value += f" (default {output.setting(k['default'])})"
            print(f"  {k['name']} = {value}")
            print(output.wrap(k["help"], indent="      ", first="      "))
    else:
        print("No knobs.")
    print()
    if not a["runs"]:
        print("No runs recorded yet.")
        return
    from rich.text import Text

    table = output.table()
    for col in ("Run", "Trigger", "Signals", "New", "Refreshed", "Errors"):
        right = col not in ("Run", "Trigger")
        table.add_column(col, no_wrap=True, justify="right" if right else "left")
    for r in a["runs"]:
        errors = Text(str(r["errors"]), style=style.rich("error") if r["errors"] else "")
        table.add_row(
            timefmt.when(r["finished_at"], a["now"], a["timezone"]),
            r["trigger"],
            f"{r['signals']:,}",
            f"{r['proposed']:,}",
            f"{r['updated']:,}",
            errors,
        )
    output.console().print(table)
    failed = next((r for r in a["runs"] if r["last_error"]), None)
    if failed is not None:
        print(output.wrap(f"last error: {failed['last_error']}", indent="  "))


@app.command(examples=["caseyos agents enable deal_health"], op="agents.configure")
def enable(name: str = AGENT) -> None:
    """Turn an agent on."""
    output.call("agents.configure", {"name": name, "enabled": True}, flags=FLAGS)
    print(f"{name} is on.")


@app.command(examples=["caseyos agents disable meeting_prep"], op="agents.configure")
def disable(name: str = AGENT) -> None:
    """Turn an agent off; its open moves stay, it proposes no new ones."""
    output.call("agents.configure", {"name": name, "enabled": False}, flags=FLAGS)
    print(f"{name} is off.")


@app.command(
    "set",
    examples=[
        "caseyos agents set deal_health stalled_days 21",
        "caseyos agents set crm_tasks colleagues_tasks yes",
    ],
    op="agents.set",
)
def set_(
    name: str = AGENT,
    knob: str = typer.Argument(
        ...,
        metavar="KNOB",
        help="One of the agent's knobs (`agents show NAME`).",
        show_default=False,
    ),
    value: str = typer.Argument(
        ..., metavar="VALUE", help="A number, yes/no, or a comma-separated list."
    ),
    as_json: bool = JSON,
) -> None:
    """Change one knob of an agent; the next pass uses it (open moves stay as they are)."""
    result = output.call("agents.set", {"name": name, "knob": knob, "value": value}, flags=FLAGS)
    if as_json:
        output.print_json(result)
        return
    knobs = "; ".join(f"{k} = {output.setting(v)}" for k, v in result["knobs"].items())
    print(output.wrap(f"{result['name']}: {knobs}"))


def _dry_run(name: str, as_json: bool) -> None:
    r = output.call("agents.dry_run", {"name": name}, flags=FLAGS)
    if as_json:
        output.print_json(r)
        return
    read = f"{output.plural(r['signals'], 'waiting signal')}"
    if r["more_waiting"]:
        read += " (the oldest; more wait)"
    read += f" and {output.plural(r['clock_signals'], 'signal')} due from the clock"
    off = "" if r["enabled"] else " (it is off)"
    print(output.wrap(f"Dry run of {r['agent']}{off}: read {read}; nothing was stored."))
    if r["errors"]:
        output.fail(f"{r['agent']} failed: {r['last_error']}", output.FAILURE)
    if not r["proposals"]:
        print("It would propose nothing now.")
        return
    for p in r["proposals"]:
        refresh = f", refreshes a {p['existing']} move" if p["existing"] else ""
        print(output.wrap(f"{p['aps']:5.1f}  {p['title']}{refresh}", indent="       "))
        print(output.wrap(p["why_now"], indent="       ", first="       "))


@app.command(
    examples=[
        "caseyos agents run",
        "caseyos agents run follow_up_due",
        "caseyos agents run deal_health --dry-run",
        "caseyos agents run --json",
    ],
    op="agents.run",
)
def run(
    name: str | None = typer.Argument(
        None,
        metavar="NAME",
        help="Run only this agent over its waiting signals (a full pass if left out).",
        autocompletion=complete.agent_names,
        show_default=False,
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print what NAME would propose now; store nothing."
    ),
    as_json: bool = JSON,
) -> None:
    """Run the pipeline now (it also runs every minute on its own), or one agent."""
    if dry_run:
        if name is None:
            output.fail("--dry-run needs an agent: caseyos agents run NAME --dry-run", output.USAGE)
        _dry_run(name, as_json)
        return
    from caseyos_cli import jobwatch

    params = {} if name is None else {"name": name}
    label = "Agent pass" if name is None else f"Running {name}"
    _, job = jobwatch.start_and_follow("agents.run", params, label=label, flags=FLAGS)
    assert job is not None
    jobwatch.check_ended_well(job, "the agent pass" if name is None else f"the run of {name}")
    if as_json:
        output.print_json(job["result"])
        return
    if name is not None:
        a = job["result"]["agent"]
        line = (
            f"{a['agent']} read {output.plural(a['signals'], 'waiting signal')}: "
            f"{output.plural(a['proposed'], 'move')} proposed, {a['updated']:,} refreshed."
        )
        print(output.wrap(line))
        if a["errors"]:
            output.fail(f"{a['agent']} failed: {a['last_error']}", output.FAILURE)
        return
    r = job["result"]["report"]
    print(
        output.wrap(
            f"{output.plural(r['signals'], 'new signal')} ({r['detected']:,} from the clock): "
            f"{output.plural(r['proposed'], 'move')} proposed, {r['updated']:,} refreshed, "
            f"{r['resolved']:,} resolved, {r['woken']:,} woken, {r['expired']:,} expired."
        )
    )
