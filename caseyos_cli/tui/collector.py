"""Python's full garbage collections, moved off the keypress path to when nobody types.

A full collection walks every object the collector tracks. With 10,000 moves on Today the
dashboard holds a few hundred thousand; Today freezes them once its list is in
(`gc.freeze`), but every frame adds render caches (segments, styles, strips) that are not
frozen, and with the frozen ones out of the count Python's rule for when to run a full
collection fires every few seconds. Each one took 20-200 ms here: a keypress that landed
on one missed its frame by that much.

So while the dashboard runs, Python runs only its young collections (they are quick) and
`IdleCollector` runs the full one itself, once the operator has not touched a key or the
mouse for `IDLE` seconds and as many young collections have piled up as Python would have
waited for. Garbage is still collected; only its moment moves. A key held down for minutes
does not put it off forever: at `OVERDUE` times the usual wait it runs anyway. The
thresholds go back as they were when the dashboard stops.
"""

from __future__ import annotations

import gc
import time

# Seconds without a key or mouse event before a due full collection runs.
IDLE = 1.0
# How often the collector looks.
CHECK = 0.5
# Python's third threshold, set while the dashboard runs: no automatic full collection.
NEVER = 1 << 30
# How many times Python's usual wait a full collection waits for the operator at most.
OVERDUE = 10


class IdleCollector:
    """Owns when full collections run between `start()` and `stop()`."""

    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self.collections = 0
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def touched(self) -> None:
        """A key or mouse event: the operator is here."""
        self.last_input = time.monotonic()

    def waited(self) -> float:
        """How many times Python's usual wait for a full collection has gone by (its third
        count over its third threshold); 0 when not started."""
        if self._saved is None:
            return 0.0
        return gc.get_count()[2] / max(1, self._saved[2])

    def tick(self) -> bool:
        """Run the full collection if one is due and the operator is idle, or if it is
        overdue; say whether it ran."""
        waited = self.waited()
        idle = time.monotonic() - self.last_input >= IDLE
        if waited < 1 or (not idle and waited < OVERDUE):
            return False
        gc.collect()
        self.collections += 1
        return True
