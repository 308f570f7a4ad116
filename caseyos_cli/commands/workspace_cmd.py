"""caseyos workspace ...: your data (main) or the demo."""

from __future__ import annotations

import typer

from caseyos_cli import output

app = typer.Typer(help="Workspaces: 'main' holds your data, 'demo' the demo.", no_args_is_help=True)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """The workspaces on this machine; * marks the active one."""
    result = output.call("workspace.list", {})
    if as_json:
        output.print_json(result)
        return
    for w in result["workspaces"]:
        print(f"{'*' if w['active'] else ' '} {w['name']:<8} {w['path']}")


@app.command()
def use(name: str = typer.Argument(..., help="main or demo.")) -> None:
    """Make a workspace the active one."""
    output.call("workspace.use", {"name": name}, flags={"name": "NAME"})
    print(f"Active workspace: {name}")
