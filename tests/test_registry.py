"""Declaring an operation: what registration refuses, and what it derives."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from pydantic import BaseModel, Field

from daemon.registry import (
    CLI_ONLY,
    EVERYWHERE,
    REGISTRY,
    Effect,
    NoParams,
    Params,
    Surface,
    ToolHints,
    load_operations,
    operation,
)


class Described(Params):
    id: int = Field(description="Which one.")


class Undescribed(Params):
    id: int = Field(description="Which one.")
    limit: int = 10


class Out(BaseModel):
    ok: bool


async def handler(ctx: Any, p: Any) -> Out:
    return Out(ok=True)


def declare(
    name: str,
    *,
    params: type[Params] = Described,
    effect: Effect = "read",
    description: str = "Does a thing.",
    expose: Iterable[Surface] = EVERYWHERE,
    **hints: bool,
) -> None:
    operation(
        name,
        params=params,
        result=Out,
        effect=effect,
        description=description,
        expose=expose,
        **hints,
    )(handler)


@pytest.fixture(autouse=True)
def registry() -> Any:
    load_operations()
    before = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(before)


def test_a_params_field_without_description_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match=r"test\.thing params: field 'limit' needs a desc"):
        declare("test.thing", params=Undescribed)
    assert "test.thing" not in REGISTRY


def test_a_params_description_is_one_sentence() -> None:
    class TwoLines(Params):
        id: int = Field(description="Which one.\nReally.")

    with pytest.raises(RuntimeError, match="field 'id': description must be one sentence"):
        declare("test.thing", params=TwoLines)


def test_exposure_must_be_declared_and_include_the_cli() -> None:
    with pytest.raises(TypeError, match="expose"):
        operation(  # type: ignore[call-arg]
            "test.thing", params=NoParams, result=Out, effect="read", description="A thing."
        )
    with pytest.raises(RuntimeError, match="must include 'cli'"):
        declare("test.thing", expose={"mcp", "llm"})
    with pytest.raises(RuntimeError, match="unknown surfaces"):
        declare("test.thing", expose={"cli", "web"})  # type: ignore[arg-type]


def test_tool_names_are_valid_and_unique() -> None:
    with pytest.raises(RuntimeError, match=r"is already queue\.today's"):
        declare("queue_today")
    with pytest.raises(RuntimeError, match="must match"):
        declare("test.has space")
    with pytest.raises(RuntimeError, match="must match"):
        declare("test." + "x" * 60)


def test_a_declared_operation_carries_its_tool_name_exposure_and_hints() -> None:
    declare("test.thing", effect="local", expose=CLI_ONLY, destructive=False)
    op = REGISTRY["test.thing"]
    assert op.tool_name == "test_thing"
    assert op.expose == {"cli"} and not op.exposed_to("mcp")
    assert op.hints == ToolHints(
        read_only=False, destructive=False, idempotent=False, open_world=False
    )
    schema = op.schema()
    assert schema["tool_name"] == "test_thing" and schema["expose"] == ["cli"]
    assert schema["hints"]["destructiveHint"] is False


@pytest.mark.parametrize(
    ("effect", "overrides", "expected"),
    [
        ("read", {}, (True, False, True, False)),
        # An undeclared write is assumed destructive and not idempotent, as MCP does.
        ("local", {}, (False, True, False, False)),
        ("local", {"destructive": False, "idempotent": True}, (False, False, True, False)),
        ("external", {}, (False, True, False, True)),
    ],
)
def test_hints_derive_from_the_effect(
    effect: Effect, overrides: dict[str, bool], expected: tuple[bool, ...]
) -> None:
    hints = ToolHints.derive(
        effect, destructive=overrides.get("destructive"), idempotent=overrides.get("idempotent")
    )
    assert (hints.read_only, hints.destructive, hints.idempotent, hints.open_world) == expected


def test_a_read_cannot_claim_to_destroy() -> None:
    with pytest.raises(RuntimeError, match="never destructive"):
        declare("test.thing", effect="read", destructive=True)
    with pytest.raises(RuntimeError, match="always idempotent"):
        declare("test.thing", effect="read", idempotent=False)
