"""The event catalogue: every event the daemon publishes, declared once with its payload.

An event has a dotted name, a pydantic payload model whose fields are all described, and a
one-sentence description. `EventBus.publish` refuses anything not declared here, and
`api.events` and docs/API.md are generated from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ConfigDict, Field, ValidationError

from daemon.registry import check_fields_described, check_sentence
from daemon.vocabulary import MoveStatus, OutcomeKind
from daemon.wire import WireModel, jsonable

EVENT_NAME_RE = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


class Payload(WireModel):
    """Base for payloads: strict, so a wrong type or an unknown field is a bug caught early."""

    model_config = ConfigDict(extra="forbid", strict=True)


@dataclass(frozen=True)
class EventType:
    name: str
    payload: type[Payload]
    description: str

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "payload": self.payload.model_json_schema(),
        }


class InvalidEvent(ValueError):
    """An event that is not in the catalogue, or whose payload does not match its model."""


EVENTS: dict[str, EventType] = {}

P = TypeVar("P", bound=type[Payload])


def event(name: str, *, description: str) -> Callable[[P], P]:
    """Declare an event type with the payload model it decorates."""

    def register(payload: P) -> P:
        if name in EVENTS:
            raise RuntimeError(f"event {name} declared twice")
        if not EVENT_NAME_RE.match(name):
            raise RuntimeError(f"event {name!r}: use dotted lower-case words, e.g. move.created")
        check_sentence(f"event {name}", description)
        check_fields_described(f"event {name} payload", payload)
        EVENTS[name] = EventType(name, payload, description)
        return payload

    return register


def validate(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """The payload as subscribers will get it (JSON types), or InvalidEvent."""
    declared = EVENTS.get(type_)
    if declared is None:
        raise InvalidEvent(f"event {type_!r} is not declared in daemon/event_types.py")
    try:
        return jsonable(declared.payload.model_validate(data))
    except ValidationError as exc:
        raise InvalidEvent(f"event {type_}: payload does not match its model: {exc}") from None


# -- the catalogue -------------------------------------------------------------------------


@event(
    "workspace.changed",
    description="The active workspace changed, or its data was replaced by an import or a "
    "demo rebuild.",
)
class WorkspaceChanged(Payload):
    workspace: str = Field(description="The workspace that is active now.")


@event(
    "queue.changed",
    description="A pipeline pass changed the queue; the counts are that pass's report.",
)
class QueueChanged(Payload):
    workspace: str = Field(description="The workspace the pass ran in.")
    failed_agents: int = Field(description="Agents that failed; their signals are retried.")
    detected: int = Field(description="Time-based signals detected in this pass.")
    signals: int = Field(description="Unprocessed signals the agents saw.")
    proposed: int = Field(description="New moves proposed.")
    updated: int = Field(description="Existing moves refreshed by a repeated proposal.")
    resolved: int = Field(description="Moves closed because a signal made them moot.")
    woken: int = Field(description="Snoozed moves whose time came, back to pending.")
    expired: int = Field(description="Pending moves past their shelf life.")
    rescored: int = Field(description="Open moves whose score was recomputed.")
    outcomes: int = Field(
        0, description="Outcomes of moves detected from later signals (replies, bounces...)."
    )


@event("move.created", description="A move was added to the queue by hand.")
class MoveCreated(Payload):
    id: int = Field(description="The new move's id.")
    workspace: str = Field(description="The workspace the move is in.")


@event("move.updated", description="A move changed status through an operation, e.g. accept.")
class MoveUpdated(Payload):
    id: int = Field(description="The move's id.")
    status: MoveStatus = Field(description="Its status now.")
    workspace: str = Field(description="The workspace the move is in.")


@event("outcome.recorded", description="An outcome of a move was recorded by hand.")
class OutcomeRecorded(Payload):
    move_id: int = Field(description="The move the outcome belongs to.")
    kind: OutcomeKind = Field(description="What came of the move.")


@event(
    "job.updated",
    description="A background job started, made progress, finished or failed.",
)
class JobUpdated(Payload):
    id: str = Field(description="The job's id.")
    kind: str = Field(description="What sort of job it is, e.g. an import or a sync.")
    title: str = Field(description="A short line to show the operator.")
    workspace: str = Field(description="The workspace the job works on.")
    status: str = Field(description="Where the job is in its life, e.g. running or failed.")
    phase: str | None = Field(description="The step it is on, when the job has steps.")
    done: int = Field(description="Units of work finished so far.")
    total: int | None = Field(description="Units of work in all, when known in advance.")
    error: str | None = Field(description="Why the job failed, when it did.")
