"""The daemon's event stream: monotonic ids, a replay buffer and one queue per subscriber.

Only events declared in daemon/event_types.py are published, with payloads that match them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

from daemon import event_types

REPLAY = 1000
SUBSCRIBER_BACKLOG = 1000


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        return {"event": {"id": self.id, "type": self.type, "data": self.data}}


class EventBus:
    def __init__(self) -> None:
        self._next_id = 1
        self._recent: deque[Event] = deque(maxlen=REPLAY)
        self._subscribers: set[asyncio.Queue[Event | None]] = set()

    @property
    def last_id(self) -> int:
        return self._next_id - 1

    def publish(self, type_: str, data: dict[str, Any]) -> Event:
        """Publish a declared event; InvalidEvent (before any id is used) if it is not one."""
        event = Event(self._next_id, type_, event_types.validate(type_, data))
        self._next_id += 1
        self._recent.append(event)
        for queue in list(self._subscribers):
            if queue.qsize() >= SUBSCRIBER_BACKLOG:
                # A subscriber that stopped reading is cut off rather than slowing the daemon.
                self._subscribers.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(event)
        return event

    def subscribe(self, since: int | None = None) -> asyncio.Queue[Event | None]:
        """A queue of events; with `since`, first the buffered events after that id."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        if since is not None:
            for event in self._recent:
                if event.id > since:
                    queue.put_nowait(event)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        for queue in list(self._subscribers):
            queue.put_nowait(None)
        self._subscribers.clear()
