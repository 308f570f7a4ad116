"""caseyos api ...: the daemon's operations and events, as the registry declares them."""

from __future__ import annotations

import textwrap
from typing import Any

import typer

from caseyos_cli import cli, output

app = cli.App(
    help="The daemon's API (the one registry of operations and events).", panel=cli.DAEMON
)

WIDTH = 80
INDENT = " " * 4


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=INDENT, subsequent_indent=INDENT)


def _fields(schema: dict[str, Any]) -> str:
    """Names of an object schema's properties; optional ones in brackets."""
    required = set(schema.get("required", []))
    return " ".join(k if k in required else f"[{k}]" for k in schema.get("properties", {}))


def render_operations(result: dict[str, Any]) -> list[str]:
    """One heading line per operation (name, effect, tool name, who may call it), then its
    description and parameters wrapped below it, so nothing passes 80 columns."""
    lines: list[str] = []
    for op in result["operations"]:
        # Older daemons answer without tool names and exposure.
        tool = op.get("tool_name", "")
        expose = ",".join(op.get("expose", []))
        lines.append(f"{op['name']:<18} {op['effect']:<8} {tool:<18} {expose}".rstrip())
        lines += _wrapped(op["description"])
        args = _fields(op["params"])
        if args:
            lines += _wrapped(f"params: {args}")
    return lines


def render_events(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for event in result["events"]:
        lines.append(event["name"])
        lines += _wrapped(event["description"])
        fields = _fields(event["payload"])
        if fields:
            lines += _wrapped(f"data: {fields}")
    return lines


@app.command(
    "list",
    examples=[
        "caseyos api list",
        "# Every operation's name",
        "caseyos api list --json | jq -r '.operations[].name'",
    ],
    op="api.list",
)
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print the full JSON Schemas."),
) -> None:
    """Every operation the daemon offers: effect, tool name, who may call it, parameters."""
    result = output.call("api.list", {})
    if as_json:
        output.print_json(result)
        return
    print("\n".join(render_operations(result)))


@app.command(
    "events", examples=["caseyos api events", "caseyos api events --json"], op="api.events"
)
def events(
    as_json: bool = typer.Option(False, "--json", help="Print the full JSON Schemas."),
) -> None:
    """Every event the daemon publishes (events.subscribe), with its data fields."""
    result = output.call("api.events", {})
    if as_json:
        output.print_json(result)
        return
    print("\n".join(render_events(result)))
