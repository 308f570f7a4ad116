"""The one API: every operation the daemon offers, declared once.

An operation has a dotted name, pydantic params and result models, a one-line description,
an effect class, and who may call it. The socket server dispatches from this table;
`api.list`, docs/API.md, the MCP tools and the assistant's function tools (daemon/tools.py)
are generated from it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from daemon.wire import WireModel

if TYPE_CHECKING:
    from daemon.context import OpContext

Effect = Literal["read", "local", "external"]
# Which workspace an operation's session is on: the active one, or always the operator's own.
Target = Literal["active", "main"]

# Who may call an operation: the CLI (over the socket), an MCP client, the LLM assistant.
Surface = Literal["cli", "mcp", "llm"]
SURFACES: tuple[Surface, ...] = get_args(Surface)
CLI_ONLY: frozenset[Surface] = frozenset({"cli"})
EVERYWHERE: frozenset[Surface] = frozenset(SURFACES)

# What MCP and OpenAI-compatible function tools both accept as a name.
TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class Params(WireModel):
    """Base for params: unknown fields are an error that names them."""

    model_config = ConfigDict(extra="forbid")


class NoParams(Params):
    pass


Handler = Callable[["OpContext", Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class ToolHints:
    """MCP tool annotations: hints to a client about what calling the tool does."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool

    @classmethod
    def derive(
        cls, effect: Effect, *, destructive: bool | None, idempotent: bool | None
    ) -> ToolHints:
        """Hints from the effect class; only what it leaves open may be declared.

        read-only and open-world follow from the effect alone, so they cannot contradict it.
        For a write, destructive and idempotent default to what MCP assumes of an unknown
        tool (destructive, not idempotent): forgetting to declare errs on the careful side.
        """
        if effect == "read":
            if destructive or idempotent is False:
                raise ValueError("a read is never destructive and always idempotent")
            return cls(read_only=True, destructive=False, idempotent=True, open_world=False)
        return cls(
            read_only=False,
            destructive=True if destructive is None else destructive,
            idempotent=False if idempotent is None else idempotent,
            open_world=effect == "external",
        )

    def mcp(self) -> dict[str, bool]:
        """The hints under their MCP names."""
        return {
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": self.open_world,
        }


@dataclass(frozen=True)
class Operation:
    name: str
    params: type[Params]
    result: type[BaseModel]
    description: str
    effect: Effect
    handler: Handler
    # The dotted name with '_': MCP and OpenAI tool names allow no dots.
    tool_name: str
    expose: frozenset[Surface]
    hints: ToolHints
    # Operations about the daemon itself (status, shutdown) run without a database session.
    needs_session: bool = True
    workspace: Target = "active"
    tags: tuple[str, ...] = field(default=())

    def exposed_to(self, surface: Surface) -> bool:
        return surface in self.expose

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tool_name": self.tool_name,
            "description": self.description,
            "effect": self.effect,
            "expose": [s for s in SURFACES if s in self.expose],
            "hints": self.hints.mcp(),
            "params": self.params.model_json_schema(),
            "result": self.result.model_json_schema(),
        }


REGISTRY: dict[str, Operation] = {}


def check_sentence(what: str, text: str | None) -> None:
    """The description rule shared by operations, their params and events."""
    if not text:
        raise RuntimeError(f"{what} needs a description (one sentence ending in '.')")
    if "\n" in text or not text.endswith("."):
        raise RuntimeError(f"{what}: description must be one sentence ending in '.'")


def check_fields_described(what: str, model: type[BaseModel]) -> None:
    """Every field carries a description: it is all a model or an MCP client sees of it."""
    for name, info in model.model_fields.items():
        check_sentence(f"{what}: field {name!r}", info.description)


def tool_name(name: str) -> str:
    return name.replace(".", "_")


def _exposure(name: str, expose: Iterable[Surface]) -> frozenset[Surface]:
    surfaces = frozenset(expose)
    unknown = sorted(set(surfaces) - set(SURFACES))
    if unknown:
        raise RuntimeError(f"{name}: unknown surfaces {unknown}; use {list(SURFACES)}")
    if "cli" not in surfaces:
        raise RuntimeError(f"{name}: the CLI can call every operation; expose must include 'cli'")
    return surfaces


def operation(
    name: str,
    *,
    params: type[Params],
    result: type[BaseModel],
    effect: Effect,
    description: str,
    expose: Iterable[Surface],
    destructive: bool | None = None,
    idempotent: bool | None = None,
    needs_session: bool = True,
    workspace: Target = "active",
) -> Callable[[Handler], Handler]:
    """Declare an operation.

    `expose` has no default: offering an operation to MCP clients and the assistant is a
    decision made for each one (`CLI_ONLY`, `EVERYWHERE`, or a set that includes "cli").
    `destructive` and `idempotent` override the MCP hints derived from `effect`.
    """

    def register(handler: Handler) -> Handler:
        if name in REGISTRY:
            raise RuntimeError(f"operation {name} declared twice")
        check_sentence(name, description)
        check_fields_described(f"{name} params", params)
        tool = tool_name(name)
        if not TOOL_NAME_RE.match(tool):
            raise RuntimeError(f"{name}: tool name {tool!r} must match {TOOL_NAME_RE.pattern}")
        clash = next((op.name for op in REGISTRY.values() if op.tool_name == tool), None)
        if clash:
            raise RuntimeError(f"{name}: tool name {tool!r} is already {clash}'s")
        try:
            hints = ToolHints.derive(effect, destructive=destructive, idempotent=idempotent)
        except ValueError as exc:
            raise RuntimeError(f"{name}: {exc}") from None
        REGISTRY[name] = Operation(
            name=name,
            params=params,
            result=result,
            description=description,
            effect=effect,
            handler=handler,
            tool_name=tool,
            expose=_exposure(name, expose),
            hints=hints,
            needs_session=needs_session,
            workspace=workspace,
        )
        return handler

    return register


def load_operations() -> dict[str, Operation]:
    """Import every operation module once, filling the registry."""
    import daemon.ops  # noqa: F401  (registers on import)

    return REGISTRY
