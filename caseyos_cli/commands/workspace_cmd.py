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


WORKSPACE = typer.Argument(
    "main",
    metavar="NAME",
    help="The workspace: main (your data, the default) or demo.",
    autocompletion=complete.workspaces,
)
JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")


@app.command(
    examples=["caseyos workspace backup", "caseyos workspace backup demo --json"],
    op="workspace.backup",
)
def backup(name: str = WORKSPACE, as_json: bool = JSON) -> None:
    """Back up a workspace now (one a day is kept for a week, and one before each migration)."""
    result = output.call("workspace.backup", {"name": name}, flags={"name": "NAME"})
    if as_json:
        output.print_json(result)
        return
    newest = result["backups"][0]
    print(output.wrap(f"Backed up {name} ({newest['bytes'] / 1e6:.1f} MB) to {newest['path']}"))
    older = [b["name"] for b in result["backups"][1:]]
    if older:
        print(output.wrap(f"Older backups: {', '.join(older)}"))


@app.command(
    examples=[
        "caseyos workspace restore",
        "caseyos workspace restore main --from 2026-11-27",
    ],
    op="workspace.restore",
)
def restore(
    name: str = WORKSPACE,
    source: str | None = typer.Option(
        None, "--from", metavar="BACKUP", help="Which backup (as `workspace backup` names them)."
    ),
    as_json: bool = JSON,
) -> None:
    """Put a backup in place of a workspace's database (the file it replaces is kept)."""
    result = output.call(
        "workspace.restore",
        {"name": name, "backup": source},
        flags={"name": "NAME", "backup": "--from"},
    )
    if as_json:
        output.print_json(result)
        return
    print(f"Restored {name} from its backup {result['restored']['name']}.")
    if result["replaced"]:
        print(output.wrap(f"The file it replaced is kept at {result['replaced']}."))


@app.command(
    examples=["caseyos workspace recover", "caseyos workspace recover main --json"],
    op="workspace.recover",
)
def recover(name: str = WORKSPACE, as_json: bool = JSON) -> None:
    """Rebuild a damaged workspace from what its file still holds (the damaged file is kept)."""
    result = output.call("workspace.recover", {"name": name}, flags={"name": "NAME"})
    if as_json:
        output.print_json(result)
        return
    rows = result["rows"]
    shown = ", ".join(
        output.counted(n, t) for t, n in rows.items() if n and t in ("contacts", "deals", "moves")
    )
    total = output.plural(sum(rows.values()), "row")
    print(output.wrap(f"Recovered {name}: {total} saved" + (f" ({shown})" if shown else "") + "."))
    print(output.wrap(f"The damaged file is kept at {result['damaged_kept']}."))
    print("Check it with `caseyos queue list` and `caseyos contacts list`.")
