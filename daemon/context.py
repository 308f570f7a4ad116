"""What an operation handler gets: its session, the clock, the workspace and the daemon."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from daemon import event_types

if TYPE_CHECKING:
    from daemon.state import DaemonState
    from daemon.workspaces import Workspace


@dataclass
class OpContext:
    state: DaemonState
    # None when the active workspace could not be opened: an operation that needs no
    # session (stop, jobs, workspace use) still runs; one that reaches for it hears why.
    _workspace: Workspace | None
    _session: AsyncSession | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unavailable: str | None = None

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            from daemon.errors import Unavailable

            raise Unavailable(self.unavailable or "no workspace is open")
        return self._workspace

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("this operation was declared without a session")
        return self._session

    def now(self) -> datetime:
        return self.state.clock.now()

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        """Queue an event; it is published only after the operation's commit succeeds.

        Checked now rather than at publishing, so a malformed event fails the operation
        and rolls it back instead of surfacing after the commit.
        """
        self.events.append((type_, event_types.validate(type_, data)))
