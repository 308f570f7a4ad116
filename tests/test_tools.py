"""Every exposed operation is a valid MCP tool and a valid OpenAI function tool."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp.types import Tool
from pydantic import BaseModel, Field, ValidationError

from daemon import tools
from daemon.registry import Operation, load_operations

OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Decided per operation (see their declarations): each can delete data, read arbitrary
# paths, stop the daemon or change whose data is live.
CLI_ONLY = {
    "system.stop",
    "demo.load",
    "import.file",
    "operator.init",
    "workspace.use",
    "agents.configure",
    "agents.run",
}


def example(schema: dict[str, Any], *, full: bool) -> Any:
    """A value the schema should accept: required properties only, or all of them."""
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return example(options[0], full=full)
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", []))
        return {
            name: example(sub, full=full)
            for name, sub in schema.get("properties", {}).items()
            if full or name in required
        }
    if kind == "array":
        return [example(schema["items"], full=full)] * max(1, schema.get("minItems", 0))
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 0))
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    raise AssertionError(f"no example for {schema}")


def exposed_ops() -> list[Operation]:
    ops = load_operations()
    return sorted(
        (op for op in ops.values() if op.exposed_to("mcp") or op.exposed_to("llm")),
        key=lambda op: op.name,
    )


def accepts(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema).is_valid(value)


@pytest.mark.parametrize("op", exposed_ops(), ids=lambda op: op.name)
def test_input_schema_is_self_contained_and_agrees_with_the_params_model(op: Operation) -> None:
    schema = tools.input_schema(op)
    Draft202012Validator.check_schema(schema)
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    assert schema["type"] == "object" and isinstance(schema["properties"], dict)
    assert set(schema.get("required", [])) <= set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{op.name}.{name} has no description"
        assert "title" not in prop

    for full in (False, True):
        params = example(schema, full=full)
        assert accepts(schema, params), params
        op.params.model_validate(params)  # what the daemon will accept, too

    minimal = example(schema, full=False)
    assert not accepts(schema, {**minimal, "no_such_param": 1})
    with pytest.raises(ValidationError):
        op.params.model_validate({**minimal, "no_such_param": 1})
    for name in schema.get("required", []):
        missing = {k: v for k, v in minimal.items() if k != name}
        assert not accepts(schema, missing)
        with pytest.raises(ValidationError):
            op.params.model_validate(missing)


@pytest.mark.parametrize("op", tools.exposed("mcp"), ids=lambda op: op.name)
def test_mcp_tool(op: Operation) -> None:
    tool = tools.mcp_tool(op)
    wire = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
    again = Tool.model_validate(json.loads(json.dumps(wire)))
    assert again.name == op.tool_name == op.name.replace(".", "_")
    assert OPENAI_NAME.match(again.name)
    assert again.description == op.description
    assert wire["inputSchema"]["type"] == "object"
    assert wire["outputSchema"]["type"] == "object"
    Draft202012Validator.check_schema(wire["outputSchema"])
    assert "$ref" not in json.dumps(wire)
    assert wire["annotations"] == op.hints.mcp()
    if op.effect == "read":
        assert wire["annotations"]["readOnlyHint"] and wire["annotations"]["idempotentHint"]


@pytest.mark.parametrize("op", tools.exposed("llm"), ids=lambda op: op.name)
def test_openai_function_tool(op: Operation) -> None:
    tool = tools.openai_tool(op)
    assert set(tool) == {"type", "function"} and tool["type"] == "function"
    function = tool["function"]
    assert set(function) == {"name", "description", "parameters"}
    assert OPENAI_NAME.match(function["name"])
    assert function["description"] == op.description
    assert function["parameters"] == tools.input_schema(op)
    json.dumps(tool)  # what goes over the wire to the model


def test_listings_offer_exactly_the_exposed_operations() -> None:
    ops = load_operations()
    mcp_names = {t.name for t in tools.mcp_tools()}
    llm_names = {t["function"]["name"] for t in tools.llm_tools()}
    assert mcp_names == {op.tool_name for op in ops.values() if op.exposed_to("mcp")}
    assert llm_names == {op.tool_name for op in ops.values() if op.exposed_to("llm")}
    for name in CLI_ONLY:
        assert ops[name].expose == {"cli"}
        assert ops[name].tool_name not in mcp_names | llm_names
    assert "queue_today" in mcp_names & llm_names
    assert "queue_accept" in mcp_names & llm_names
    assert "system_status" in mcp_names - llm_names


def test_a_tool_call_resolves_only_on_surfaces_it_is_offered_on() -> None:
    assert tools.by_tool_name("queue_snooze", "llm").name == "queue.snooze"
    assert tools.by_tool_name("system_status", "mcp").name == "system.status"
    with pytest.raises(LookupError):
        tools.by_tool_name("system_status", "llm")
    for name in ("system_stop", "import_file", "system.stop", "nope"):
        with pytest.raises(LookupError):
            tools.by_tool_name(name, "mcp")


def test_the_assistant_listing_does_not_load_the_mcp_sdk() -> None:
    probe = (
        "import sys; from daemon import tools; tools.llm_tools(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'mcp', 'starlette'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


class Inner(BaseModel):
    title: str = Field(description="A property that happens to be called title.")


class Outer(BaseModel):
    inner: Inner = Field(description="Where it is used.")
    many: list[Inner]


class Node(BaseModel):
    children: list[Node]


def test_self_contained_inlines_refs_and_keeps_property_names() -> None:
    schema = tools.self_contained(Outer.model_json_schema())
    assert "$defs" not in schema and "title" not in schema
    inner = schema["properties"]["inner"]
    assert inner["description"] == "Where it is used."  # the use site's words win
    assert inner["properties"]["title"]["type"] == "string"
    assert schema["properties"]["many"]["items"]["required"] == ["title"]
    assert accepts(schema, {"inner": {"title": "a"}, "many": [{"title": "b"}]})
    assert not accepts(schema, {"inner": {}, "many": []})


def test_self_contained_refuses_what_it_cannot_inline() -> None:
    with pytest.raises(ValueError, match="recursive"):
        tools.self_contained(Node.model_json_schema())
    with pytest.raises(ValueError, match="object"):
        tools.self_contained({"type": "string"})
