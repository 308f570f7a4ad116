"""The one API: every operation the daemon offers, declared once.

An operation has a dotted name, pydantic params and result models, a one-line description
and an effect class. The socket server dispatches from this table; `api.list`, docs/API.md,
and later the MCP tools and Jarvis's tool list are generated from it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from daemon.context import OpContext

Effect = Literal["read", "local", "external"]
# Which workspace an operation's session is on: the active one, or always the operator's own.
Target = Literal["active", "main"]


class Params(BaseModel):
    """Base for params: unknown fields are an error that names them."""

    model_config = ConfigDict(extra="forbid")


class NoParams(Params):
    pass


Handler = Callable[["OpContext", Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Operation:
    name: str
    params: type[Params]
    result: type[BaseModel]
    description: str
    effect: Effect
    handler: Handler
    # Operations about the daemon itself (status, shutdown) run without a database session.
    needs_session: bool = True
    workspace: Target = "active"
    tags: tuple[str, ...] = field(default=())

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "effect": self.effect,
            "params": self.params.model_json_schema(),
            "result": self.result.model_json_schema(),
        }


REGISTRY: dict[str, Operation] = {}


def operation(
    name: str,
    *,
    params: type[Params],
    result: type[BaseModel],
    effect: Effect,
    description: str,
    needs_session: bool = True,
    workspace: Target = "active",
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in REGISTRY:
            raise RuntimeError(f"operation {name} declared twice")
        if "\n" in description or not description.endswith("."):
            raise RuntimeError(f"{name}: description must be one sentence ending in '.'")
        REGISTRY[name] = Operation(
            name, params, result, description, effect, handler, needs_session, workspace
        )
        return handler

    return register


def load_operations() -> dict[str, Operation]:
    """Import every operation module once, filling the registry."""
    import daemon.ops  # noqa: F401  (registers on import)

    return REGISTRY
