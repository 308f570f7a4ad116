"""caseyos api ...: the daemon's operations, as the registry declares them."""

from __future__ import annotations

import typer

from caseyos_cli import output

app = typer.Typer(help="The daemon's API (the one registry of operations).", no_args_is_help=True)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Full JSON Schemas.")) -> None:
    """Every operation the daemon offers, with its effect and parameters."""
    result = output.call("api.list", {})
    if as_json:
        output.print_json(result)
        return
    for op in result["operations"]:
        props = op["params"].get("properties", {})
        required = set(op["params"].get("required", []))
        args = " ".join(f"{k}" if k in required else f"[{k}]" for k in props)
        print(f"{op['name']:<18} {op['effect']:<6} {op['description']}")
        if args:
            print(f"{'':<25} params: {args}")
