"""The event catalogue: only declared events with matching payloads reach subscribers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import Field

from daemon import event_types
from daemon.context import OpContext
from daemon.domain import agent_pass, pipeline
from daemon.event_types import EVENTS, InvalidEvent, Payload, event
from daemon.events import EventBus
from daemon.store.engine import make_engine, migrate, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)

JOB = {
    "id": "j1",
    "kind": "import",
    "title": "Importing mail.mbox",
    "workspace": "main",
    "status": "running",
    "phase": "parsing",
    "done": 10,
    "total": None,
    "error": None,
}


def test_publish_refuses_an_undeclared_event() -> None:
    bus = EventBus()
    with pytest.raises(InvalidEvent, match="not declared"):
        bus.publish("move.exploded", {"id": 1})
    assert bus.last_id == 0, "a refused event uses no id"


@pytest.mark.parametrize(
    "data",
    [
        {"id": 1, "status": "frozen", "workspace": "main"},  # not a status
        {"id": "1", "status": "done", "workspace": "main"},  # strict: no coercion
        {"id": 1, "status": "done"},  # missing
        {"id": 1, "status": "done", "workspace": "main", "extra": True},  # unknown
    ],
)
def test_publish_refuses_a_payload_that_does_not_match(data: dict[str, Any]) -> None:
    bus = EventBus()
    with pytest.raises(InvalidEvent, match=r"move\.updated"):
        bus.publish("move.updated", data)
    assert bus.last_id == 0


def test_a_declared_event_reaches_subscribers() -> None:
    bus = EventBus()
    queue = bus.subscribe()
    published = bus.publish("job.updated", JOB)
    assert published.id == 1 and published.data == JOB
    assert queue.get_nowait() == published
    with pytest.raises(InvalidEvent):
        bus.publish("job.updated", {**JOB, "done": None})


def test_an_operation_cannot_queue_a_bad_event() -> None:
    """Refused at emit, inside the transaction, rather than after the commit."""
    ctx = OpContext(state=cast(Any, None), _workspace=cast(Any, None))
    ctx.emit("outcome.recorded", {"move_id": 3, "kind": "replied"})
    with pytest.raises(InvalidEvent):
        ctx.emit("outcome.recorded", {"move_id": 3, "kind": "maybe"})
    assert ctx.events == [("outcome.recorded", {"move_id": 3, "kind": "replied"})]


def test_every_event_the_code_publishes_is_declared() -> None:
    sources = [p for d in ("daemon", "connectors", "agents") for p in (ROOT / d).rglob("*.py")]
    found = set()
    for path in sources:
        text = path.read_text()
        found |= set(re.findall(r"(?:\.emit|\.publish)\(\s*\"([^\"]+)\"", text))
    assert found, "the scan found no events: has the calling convention changed?"
    assert found <= set(EVENTS), found - set(EVENTS)


async def test_queue_changed_carries_the_pipeline_report(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    await migrate(engine)
    async with sessionmaker(engine)() as s, s.begin():
        report = await pipeline.run(s, NOW)
    await engine.dispose()
    announced = {"workspace": "main", **agent_pass.counts(report)}
    assert event_types.validate("queue.changed", announced)
    assert set(announced) == set(event_types.EVENTS["queue.changed"].payload.model_fields)


def test_declaring_an_event_follows_the_operation_rules() -> None:
    class Bare(Payload):
        id: int

    class Fine(Payload):
        id: int = Field(description="Which one.")

    with pytest.raises(RuntimeError, match="field 'id' needs a description"):
        event("test.bare", description="A test event.")(Bare)
    with pytest.raises(RuntimeError, match="one sentence"):
        event("test.fine", description="no full stop")(Fine)
    with pytest.raises(RuntimeError, match="dotted lower-case"):
        event("TestFine", description="A test event.")(Fine)
    with pytest.raises(RuntimeError, match="declared twice"):
        event("move.created", description="A test event.")(Fine)
    assert not {"test.bare", "test.fine", "TestFine"} & set(EVENTS)


def test_every_event_documents_its_payload() -> None:
    for name, declared in EVENTS.items():
        schema = declared.schema()["payload"]
        assert schema["type"] == "object", name
        assert schema["additionalProperties"] is False, name
