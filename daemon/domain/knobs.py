"""Knobs: settings a connector or an agent declares with a default, set by the operator as
text. One parser for both, so `connectors set` and `agents set` read values alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import settings

YES = ("yes", "true", "on")
NO = ("no", "false", "off")


def parse_value(knob: str, default: Any, text: str, *, positive: bool = False) -> Any:
    """A knob's value from what the operator typed, in the type of its default: a number
    (never below 0; above 0 when `positive`), yes/no, a comma-separated list, or
    comma-separated `name=value` pairs ("none" for no pairs) whose values are of the type
    of the default's values. Anything else is kept as text. Raises ValueError saying what
    was expected."""
    text = text.strip()
    if isinstance(default, dict):
        return _parse_pairs(knob, default, text, positive=positive)
    if isinstance(default, bool):
        if text.lower() not in YES + NO:
            raise ValueError(f"{knob} is yes or no, not {text!r}")
        return text.lower() in YES
    if isinstance(default, int | float):
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{knob} is a number, not {text!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{knob} is a number, not {text!r}")
        if number < 0 or (positive and number <= 0):
            raise ValueError(f"{knob} must be {'more than' if positive else 'at least'} 0")
        if isinstance(default, int):
            if not number.is_integer():
                raise ValueError(f"{knob} is a whole number, not {text!r}")
            return int(number)
        return number
    if isinstance(default, list | tuple):
        items = [part.strip() for part in text.split(",") if part.strip()]
        if not items:
            raise ValueError(f"{knob} is a comma-separated list with at least one item")
        return items
    return text


def _parse_pairs(
    knob: str, default: dict[str, Any], text: str, *, positive: bool
) -> dict[str, Any]:
    if text.lower() == "none":
        return {}
    sample = next(iter(default.values()), 0)
    pairs: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(
                f"{knob} is name=value pairs separated by commas (or none), not {text!r}"
            )
        key = name.strip().lower()
        pairs[key] = parse_value(f"{knob} {key}", sample, value, positive=positive)
    if not pairs:
        raise ValueError(f"{knob} is name=value pairs separated by commas (or none)")
    return pairs


async def values_of(session: AsyncSession, agent: str) -> dict[str, Any]:
    """All an agent's knobs as the operator set them (`agents set`), else their declared
    defaults, whether the agent is on or off."""
    from agents.base import REGISTRY

    stored = await settings.get(session, f"agents.{agent}")
    values = {name: knob.default for name, knob in REGISTRY[agent].knobs.items()}
    if isinstance(stored, dict):
        values.update((k, v) for k, v in stored.items() if k in values)
    return values


async def agent_values(session: AsyncSession, agent: str) -> dict[str, Any] | None:
    """`values_of`, or None while the agent is disabled: the detectors that exist for one
    agent find nothing then."""
    if agent in (await settings.get(session, "agents.disabled") or []):
        return None
    return await values_of(session, agent)


async def agent_value(session: AsyncSession, agent: str, knob: str) -> Any:
    """One knob of `values_of`: for the parts of an agent's work done outside it (a
    detector's threshold)."""
    from agents.base import REGISTRY

    found = REGISTRY.get(agent)
    if found is None or knob not in found.knobs:
        raise KeyError(f"{agent} has no knob {knob!r}")
    return (await values_of(session, agent))[knob]
