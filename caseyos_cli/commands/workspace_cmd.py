"""caseyos workspace ...: your data (main) or the demo."""

from __future__ import annotations

import typer

from caseyos_cli import cli, complete, output

app = cli.App(help="Workspaces: 'main' holds your data, 'demo' the demo.", panel=cli.SETUP)


@app.command(
    "list",
    examples=["caseyos workspace list", "caseyos workspace list --json"],
    op="workspace.list",
)
def list_(
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON for scripts (stable field names)."
    ),
) -> None:
    """The workspaces on this machine; * marks the active one."""
    result = output.call("workspace.list", {})
    if as_json:
        output.print_json(result)
        return
    for w in result["workspaces"]:
        print(f"{'*' if w['active'] else ' '} {w['name']:<8} {w['path']}")


@app.command(
    examples=["caseyos workspace use main", "caseyos workspace use demo"],
    op="workspace.use",
)
def use(
    name: str = typer.Argument(
        ...,
        metavar="NAME",
        help="The workspace: main (your data) or demo.",
        autocompletion=complete.workspaces,
    ),
) -> None:
    """Make a workspace the active one."""
    output.call("workspace.use", {"name": name}, flags={"name": "NAME"})
    print(f"Active workspace: {name}")
