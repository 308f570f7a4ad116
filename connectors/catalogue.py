"""The live connectors CaseyOS ships, by name: each module declares its `SPEC`.

Modules are imported when a spec is first asked for, so nothing here weighs on a process
(the CLI) that never syncs.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Literal, get_args

from connectors.live import LiveSpec

# In the order a full sync runs them: the CRM first (people and deals), then what refers to
# them (mail, meetings, documents).
MODULES = {
    "hubspot": "connectors.hubspot",
    "gmail": "connectors.google.gmail",
    "calendar": "connectors.google.calendar",
    "drive": "connectors.google.drive",
}
NAMES = tuple(MODULES)
# The names as a type, for the operations' params (their JSON Schema lists them).
ConnectorName = Literal["hubspot", "gmail", "calendar", "drive"]
assert get_args(ConnectorName) == NAMES, "ConnectorName and MODULES must list the same names"


@cache
def spec(name: str) -> LiveSpec:
    """The declared spec of a live connector; KeyError for a name that is not one."""
    found: LiveSpec = importlib.import_module(MODULES[name]).SPEC
    if found.name != name:
        raise RuntimeError(f"{MODULES[name]} declares {found.name!r}, listed as {name!r}")
    return found


def specs() -> list[LiveSpec]:
    return [spec(name) for name in NAMES]
