"""Results and event data as they go on the wire: plain JSON values, one style of instant.

Pydantic writes an instant in UTC as `...Z` and leaves a naive one without any offset,
while the daemon's own `isoformat()` calls (job results, signal payloads, the last pass)
write `+00:00`. Everything leaving the daemon goes through `jsonable`, so every instant a
client sees is ISO 8601 in UTC with an explicit `+00:00` offset, whichever part of the
daemon produced it. The store keeps UTC, so a naive datetime is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python


class WireModel(BaseModel):
    """Base of every operation's params and result and every event's data.

    Its validators are built when first used, not when the class is defined: a daemon
    declares some two hundred of these and a session uses a few, so building them all at
    import made every start (and every autostart a command waits for) pay for all of them.
    """

    model_config = ConfigDict(defer_build=True)


def instant(value: datetime) -> str:
    """`2026-11-25T15:00:00+00:00`; fractions of a second only when there are any."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _instants(value: Any) -> Any:
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_instants(v) for v in value]
    return value


def jsonable(value: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """A model (or a dict of Python values) as JSON-ready data with uniform instants."""
    data = value.model_dump(mode="python") if isinstance(value, BaseModel) else value
    out: dict[str, Any] = to_jsonable_python(_instants(data))
    return out
