"""Everything the running daemon holds, in one place handlers can reach through the context."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from daemon.clock import Clock
from daemon.events import EventBus
from daemon.workspaces import WorkspaceManager

if TYPE_CHECKING:
    from daemon.credentials import CredentialBook
    from daemon.jobs import JobManager
    from daemon.live import LiveSync
    from daemon.store.diskspace import Reserve


@dataclass
class DaemonState:
    clock: Clock
    workspaces: WorkspaceManager
    version: str
    # The real time of the start, even under a pinned clock; uptime comes from `started`.
    started_at: datetime
    bus: EventBus = field(default_factory=EventBus)
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    last_tick: dict[str, Any] = field(default_factory=dict)
    requests_served: int = 0
    # Event ids restart with the daemon; a client seeing a new boot id knows to resync.
    boot_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    jobs: JobManager = field(init=False)
    # Live connectors: circuit breakers, running syncs, the scheduler's timing.
    live: LiveSync = field(init=False)
    # Scheduler passes running now: shutdown lets them end between chunks.
    ticks: set[asyncio.Task[None]] = field(default_factory=set)
    # Monotonic: uptime is elapsed wall time, whatever CASEYOS_NOW pins the clock to.
    started: float = field(default_factory=time.monotonic)
    # The day each workspace was last backed up by this process (lifecycle.daily_backup).
    backed_up: dict[str, date] = field(default_factory=dict)
    # Room kept on the data's disk to log and answer when it fills (daemon.store.diskspace).
    reserve: Reserve | None = None
    # The operator's sign-ins and the connectors' token sources (daemon.credentials). serve()
    # passes one; either way the secret store is opened only when first used.
    credentials: CredentialBook = field(default_factory=lambda: _credential_book())

    def uptime(self) -> float:
        return time.monotonic() - self.started

    def __post_init__(self) -> None:
        from daemon.jobs import JobManager
        from daemon.live import LiveSync

        self.jobs = JobManager(self)
        self.live = LiveSync(self)


def _credential_book() -> CredentialBook:
    # Imported when a state is made: the credentials module brings the HTTP stack with it.
    from daemon.credentials import CredentialBook

    return CredentialBook()
