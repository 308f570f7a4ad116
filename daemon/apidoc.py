"""Renders docs/API.md from the operation registry: `python -m daemon.apidoc > docs/API.md`."""

from __future__ import annotations

import json
import sys
from typing import Any

from daemon.protocol import MAX_FRAME, PROTOCOL_VERSION, ErrorCode
from daemon.registry import load_operations


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def _params(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    if not props:
        return ["No parameters."]
    required = set(schema.get("required", []))
    rows = ["| param | type | required | default | description |", "|---|---|---|---|---|"]
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
        "Error codes: " + ", ".join(f"`{c}`" for c in codes) + ".",
        "",
        "Effect classes: `read` changes nothing; `local` changes only this machine's data;",
        "`external` reaches the outside world (none yet: they will go through the outbox).",
        "",
        f"{len(ops)} operations:",
        "",
    ]
    for op in sorted(ops.values(), key=lambda o: o.name):
        lines.append(
            f"- [`{op.name}`](#{op.name.replace('.', '')}) ({op.effect}): {op.description}"
        )
    for op in sorted(ops.values(), key=lambda o: o.name):
        lines += ["", f"## {op.name}", "", f"{op.description} Effect: `{op.effect}`.", ""]
        lines += _params(op.params.model_json_schema())
        lines += ["", f"Result: {_result(op.result.model_json_schema())}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
