"""The one way anything writes: a unit of work, one transaction, events after its commit.

Operations get theirs from the dispatcher; jobs open one per chunk; the scheduler's tick
opens one per pass. Events emitted inside are published only once the transaction has
committed, so no client ever hears of a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from daemon.events import EventBus
    from daemon.workspaces import Workspace


@dataclass
class UnitOfWork:
    session: AsyncSession
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        """Queue an event; it is published only after the commit succeeds."""
        self.events.append((type_, data))


def publish(bus: EventBus, events: list[tuple[str, dict[str, Any]]]) -> None:
    for type_, data in events:
        bus.publish(type_, data)


@asynccontextmanager
async def unit_of_work(ws: Workspace, bus: EventBus) -> AsyncIterator[UnitOfWork]:
    """The writer lock, the write connection, one transaction; then the events."""
    async with ws.transaction() as session:
        uow = UnitOfWork(session)
        yield uow
    publish(bus, uow.events)
