"""Renders docs/API.md from the operation registry and the event catalogue.

`python -m daemon.apidoc > docs/API.md`
"""

from __future__ import annotations

import json
import sys
from typing import Any

from daemon.event_types import EVENTS
from daemon.protocol import MAX_FRAME, PROTOCOL_VERSION, ErrorCode
from daemon.registry import SURFACES, Operation, load_operations


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        # Commas, not '|': these end up in table cells.
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def _params(schema: dict[str, Any], column: str = "param") -> list[str]:
    props = schema.get("properties", {})
    if not props:
        return ["No parameters."]
    required = set(schema.get("required", []))
    rows = [f"| {column} | type | required | default | description |", "|---|---|---|---|---|"]
    for name, prop in props.items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        rows.append(
            f"| `{name}` | {_type(prop)} | {'yes' if name in required else 'no'} | "
            f"{default} | {prop.get('description', '')} |"
        )
    return rows


def _result(schema: dict[str, Any]) -> str:
    props = schema.get("properties", {})
    return ", ".join(f"`{k}` ({_type(v)})" for k, v in props.items())


def _exposure(op: Operation) -> str:
    return ", ".join(f"`{s}`" for s in SURFACES if op.exposed_to(s))


def _hints(op: Operation) -> str:
    return ", ".join(f"`{k}` {str(v).lower()}" for k, v in op.hints.mcp().items())


def _anchor(name: str) -> str:
    return name.replace(".", "")


def render() -> str:
    ops = load_operations()
    codes = sorted(v for k, v in vars(ErrorCode).items() if not k.startswith("_"))
    lines = [
        "# CaseyOS daemon API",
        "",
        "Generated from the operation registry by `python -m daemon.apidoc`; a test keeps it",
        "current. `caseyos api list --json` prints the same with full JSON Schemas.",
        "",
        f"Protocol {PROTOCOL_VERSION}: frames are a 4-byte big-endian length and a UTF-8 JSON",
        f'object, at most {MAX_FRAME} bytes. Send `{{"id": 1, "op": "hello"}}` first; it',
        "answers `{protocol, version, pid, boot_id}`. A request is `{id, op, params}`; the",
        "answer is `{id, ok: true, result}` or",
        "`{id, ok: false, error: {code, message, field, ref}}`.",
        "`events.subscribe` (params `{since}`) turns the connection into a stream of",
        "`{event: {id, type, data}}` frames with increasing ids.",
        "",
        "Frames are strict JSON both ways: no `NaN` or `Infinity`, no lone surrogates, no",
        "number over 4,300 digits, no nesting deeper than the parser allows (any of these is",
        "`bad_frame`, and the connection keeps serving). A request `id` is a number, text or",
        "null. In params, text may not hold NUL characters and integers must fit in 64 bits",
        "(`invalid_params`, naming the field).",
        "",
        "Every instant in a result or an event is ISO 8601 in UTC with an explicit offset,",
        "`2026-11-25T15:00:00+00:00` (a fraction of a second only when there is one); results",
        "that carry times also carry `timezone`, the operator's IANA zone, for showing them.",
        "",
        "Error codes: " + ", ".join(f"`{c}`" for c in codes) + ".",
        "",
        "Effect classes: `read` changes nothing; `local` changes only this machine's data;",
        "`external` reaches the outside world (none yet: they will go through the outbox).",
        "",
        "Exposure says who may call an operation: `cli` (the CLI calls every operation),",
        "`mcp` (offered to MCP clients as a tool) and `llm` (offered to the assistant as a",
        "function tool). As a tool, an operation is named with `_` for `.` (`queue_today`)",
        "and carries the MCP hints listed with it; `read` operations are read-only and",
        "idempotent, `external` ones open-world.",
        "",
        f"{len(ops)} operations:",
        "",
    ]
    ordered = sorted(ops.values(), key=lambda o: o.name)
    for op in ordered:
        lines.append(
            f"- [`{op.name}`](#{_anchor(op.name)}) ({op.effect}; {_exposure(op)}): {op.description}"
        )
    lines += ["", f"{len(EVENTS)} [events](#events):", ""]
    for name in sorted(EVENTS):
        lines.append(f"- [`{name}`](#{_anchor(name)}): {EVENTS[name].description}")
    for op in ordered:
        lines += [
            "",
            f"## {op.name}",
            "",
            f"{op.description} Effect: `{op.effect}`. Tool: `{op.tool_name}`, "
            f"exposed to {_exposure(op)}.",
            "",
            f"MCP hints: {_hints(op)}.",
            "",
        ]
        lines += _params(op.params.model_json_schema())
        lines += ["", f"Result: {_result(op.result.model_json_schema())}."]
    lines += [
        "",
        "## Events",
        "",
        "What `events.subscribe` streams as `{event: {id, type, data}}`; `type` is one of these",
        "names and `data` matches its fields. The daemon refuses to publish anything else.",
        "`caseyos api events --json` prints the same with full JSON Schemas.",
    ]
    for name in sorted(EVENTS):
        declared = EVENTS[name]
        lines += ["", f"### {name}", "", declared.description, ""]
        lines += _params(declared.payload.model_json_schema(), column="field")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
