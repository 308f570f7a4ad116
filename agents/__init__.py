"""Agents: each turns signals and store facts into proposed moves.

Every module in this package is imported here, and every `Agent` subclass with a name that
they declare is registered (`agents.base.REGISTRY`): adding an agent is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil

from agents.base import REGISTRY, Agent


def _import_all() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name != "base" and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


_import_all()

# One instance of each, by name: the pipeline's agents and the names `agents.*` accept.
ALL_AGENTS: tuple[Agent, ...] = tuple(REGISTRY[name]() for name in sorted(REGISTRY))


def enabled_agents(disabled: set[str] | frozenset[str] = frozenset()) -> list[Agent]:
    return [a for a in ALL_AGENTS if a.name not in disabled]


def agent_named(name: str) -> Agent | None:
    return next((a for a in ALL_AGENTS if a.name == name), None)
