"""How much work the next chunk takes, so each holds the writer for about `TARGET_SECONDS`.

Imports and agent passes both work in chunks, each one write transaction. A fixed size
would be wrong both ways: a chunk of heavy mail or of signals with many facts to look up can
take several times as long as a light one. Each measures its last chunk and asks for the
size that would have taken the target, growing gently and shrinking at once.
"""

from __future__ import annotations

TARGET_SECONDS = 0.05


def next_chunk_size(
    current: int, done: int, seconds: float, *, low: int, high: int, target: float = TARGET_SECONDS
) -> int:
    """The size that makes the next chunk take about `target`, within [low, high]."""
    if done <= 0 or seconds <= 0:
        return current
    wanted = int(target / (seconds / done))
    # Grow gently (a slow chunk may follow a fast one), shrink at once.
    wanted = min(wanted, current * 2)
    return max(low, min(high, wanted))
