"""The daemon's one clock. `CASEYOS_NOW` (an ISO instant) pins it for tests and replays."""

from __future__ import annotations

import os
from datetime import UTC, datetime


class Clock:
    def __init__(self, pinned: datetime | None = None):
        if pinned is not None and pinned.tzinfo is None:
            raise ValueError("a pinned time needs a UTC offset, e.g. 2026-11-25T14:00:00Z")
        self._pinned = pinned.astimezone(UTC) if pinned else None

    @classmethod
    def from_env(cls) -> Clock:
        value = os.environ.get("CASEYOS_NOW")
        if not value:
            return cls()
        try:
            pinned = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"CASEYOS_NOW={value!r} is not an ISO instant") from None
        return cls(pinned)

    @property
    def pinned(self) -> bool:
        return self._pinned is not None

    def now(self) -> datetime:
        return self._pinned if self._pinned is not None else datetime.now(UTC)
