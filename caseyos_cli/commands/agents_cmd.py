"""caseyos agents ...: who proposes moves, and running them now."""

from __future__ import annotations

import typer

from caseyos_cli import output

app = typer.Typer(help="Agents: they turn signals into moves.", no_args_is_help=True)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """The agents, what they consume and whether they are on."""
    result = output.call("agents.list", {})
    if as_json:
        output.print_json(result)
        return
    for a in result["agents"]:
        state = "on " if a["enabled"] else "off"
        print(f"{state} {a['name']:<14} {a['description']}")
        print(f"    consumes: {', '.join(a['consumes'])}")


@app.command()
def enable(name: str = typer.Argument(..., help="The agent's name.")) -> None:
    """Turn an agent on."""
    output.call("agents.configure", {"name": name, "enabled": True})
    print(f"{name} is on.")


@app.command()
def disable(name: str = typer.Argument(..., help="The agent's name.")) -> None:
    """Turn an agent off; its open moves stay, it proposes no new ones."""
    output.call("agents.configure", {"name": name, "enabled": False})
    print(f"{name} is off.")


@app.command()
def run(as_json: bool = typer.Option(False, "--json")) -> None:
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
        f"{r['signals']} new signals ({r['detected']} from the clock): {r['proposed']} moves "
        f"proposed, {r['updated']} refreshed, {r['resolved']} resolved, {r['woken']} woken, "
        f"{r['expired']} expired."
    )
