"""Operations as tools: MCP tool definitions and OpenAI-compatible function tools.

Both are generated from the registry and offer only the operations exposed to them. Their
JSON Schemas are made self-contained (no `$defs`/`$ref`, no generated titles), because not
every tool client resolves references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from daemon.registry import Operation, Surface, load_operations

if TYPE_CHECKING:
    from mcp.types import Tool

_REF_PREFIX = "#/$defs/"
# Keywords whose value is a map of property names to schemas; a name there is data, so a
# property called "title" must survive the stripping of titles.
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
# Keywords whose value is an instance, not a schema.
_DATA = ("default", "const", "enum", "examples", "required")


def self_contained(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local `$ref` inlined and pydantic's titles dropped.

    Keywords next to a `$ref` (a field's description) win over the referenced schema's.
    A recursive model cannot be inlined and raises ValueError.
    """
    defs: dict[str, Any] = schema.get("$defs", {})

    def walk(node: Any, trail: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, trail) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(_REF_PREFIX) or ref[len(_REF_PREFIX) :] not in defs:
                raise ValueError(f"cannot inline {ref!r}: only local $defs are supported")
            name = ref[len(_REF_PREFIX) :]
            if name in trail:
                raise ValueError(f"cannot inline recursive schema {' -> '.join((*trail, name))}")
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return walk({**defs[name], **siblings}, (*trail, name))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$defs", "title"):
                continue
            if key in _DATA:
                out[key] = value
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {prop: walk(sub, trail) for prop, sub in value.items()}
            else:
                out[key] = walk(value, trail)
        return out

    result = walk(schema, ())
    if result.get("type") != "object":
        raise ValueError("a tool's schema must describe an object")
    return dict(result)


def input_schema(op: Operation) -> dict[str, Any]:
    schema = self_contained(op.params.model_json_schema())
    # Both formats want `properties` even for an operation without parameters.
    schema.setdefault("properties", {})
    return schema


def output_schema(op: Operation) -> dict[str, Any]:
    """What the operation answers, as the daemon serialises it (JSON mode)."""
    return self_contained(op.result.model_json_schema(mode="serialization"))


def mcp_tool(op: Operation) -> Tool:
    # Imported here: the mcp package loads a web stack (half a second) that the
    # assistant, which only needs openai_tool, should not pay for.
    from mcp.types import Tool, ToolAnnotations

    return Tool(
        name=op.tool_name,
        description=op.description,
        input_schema=input_schema(op),
        output_schema=output_schema(op),
        annotations=ToolAnnotations(
            read_only_hint=op.hints.read_only,
            destructive_hint=op.hints.destructive,
            idempotent_hint=op.hints.idempotent,
            open_world_hint=op.hints.open_world,
        ),
    )


def openai_tool(op: Operation) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": op.tool_name,
            "description": op.description,
            "parameters": input_schema(op),
        },
    }


def exposed(surface: Surface) -> list[Operation]:
    """The operations offered on a surface, by name."""
    ops = load_operations().values()
    return sorted((op for op in ops if op.exposed_to(surface)), key=lambda op: op.name)


def mcp_tools() -> list[Tool]:
    return [mcp_tool(op) for op in exposed("mcp")]


def llm_tools() -> list[dict[str, Any]]:
    return [openai_tool(op) for op in exposed("llm")]


def by_tool_name(tool: str, surface: Surface) -> Operation:
    """The operation a tool call names; LookupError unless it is offered on that surface.

    Checking the surface here, not only in the listing, keeps a client from calling a
    CLI-only operation by guessing its name.
    """
    for op in exposed(surface):
        if op.tool_name == tool:
            return op
    raise LookupError(f"no tool {tool!r} for {surface}")
