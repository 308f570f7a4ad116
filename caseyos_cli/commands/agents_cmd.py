"""caseyos agents ...: who proposes moves, and running them now."""

from __future__ import annotations

import typer

from caseyos_cli import cli, output

app = cli.App(help="Agents: they turn signals into moves.", panel=cli.DAEMON)

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")


@app.command(
    "list",
    examples=["caseyos agents list", "caseyos agents list --json"],
    op="agents.list",
)
def list_(as_json: bool = JSON) -> None:
    """The agents, what they consume and whether they are on."""
    result = output.call("agents.list", {})
    if as_json:
        output.print_json(result)
        return
    from caseyos_cli import style

    for a in result["agents"]:
        state = style.paint("on " if a["enabled"] else "off", "on" if a["enabled"] else "off")
        print(f"{state} {style.paint(a['name'], 'title')}")
        print(output.wrap(a["description"], indent="    ", first="    "))
        print(output.wrap(f"consumes: {', '.join(a['consumes'])}", indent=" " * 14, first="    "))


AGENT = typer.Argument(
    ..., metavar="NAME", help="The agent's name, as `caseyos agents list` shows it."
)


@app.command(examples=["caseyos agents enable deal_health"], op="agents.configure")
def enable(name: str = AGENT) -> None:
    """Turn an agent on."""
    output.call("agents.configure", {"name": name, "enabled": True}, flags={"name": "NAME"})
    print(f"{name} is on.")


@app.command(examples=["caseyos agents disable meeting_prep"], op="agents.configure")
def disable(name: str = AGENT) -> None:
    """Turn an agent off; its open moves stay, it proposes no new ones."""
    output.call("agents.configure", {"name": name, "enabled": False}, flags={"name": "NAME"})
    print(f"{name} is off.")


@app.command(examples=["caseyos agents run", "caseyos agents run --json"], op="agents.run")
def run(as_json: bool = JSON) -> None:
    """Run the pipeline now (it also runs every minute on its own)."""
    from caseyos_cli import jobwatch

    _, job = jobwatch.start_and_follow("agents.run", {}, label="Agent pass")
    assert job is not None
    jobwatch.check_ended_well(job, "the agent pass")
    if as_json:
        output.print_json(job["result"])
        return
    r = job["result"]["report"]
    print(
        output.wrap(
            f"{output.plural(r['signals'], 'new signal')} ({r['detected']:,} from the clock): "
            f"{output.plural(r['proposed'], 'move')} proposed, {r['updated']:,} refreshed, "
            f"{r['resolved']:,} resolved, {r['woken']:,} woken, {r['expired']:,} expired."
        )
    )
