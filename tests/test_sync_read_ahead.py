"""Reading ahead: the next batch is fetched while one is written, and stopping closes the source."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from connectors.base import SyncBatch
from daemon.domain.sync import _batches


class Source:
    def __init__(self, n: int) -> None:
        self.n = n
        self.started: list[int] = []
        self.closed = False

    async def batches(self) -> AsyncIterator[SyncBatch]:
        try:
            for i in range(self.n):
                self.started.append(i)
                await asyncio.sleep(0)  # a network read
                yield SyncBatch(source="fake", cursor=str(i + 1), done=i + 1)
        finally:
            self.closed = True


@pytest.mark.parametrize("read_ahead", [True, False])
async def test_every_batch_in_order(read_ahead: bool) -> None:
    src = Source(5)
    got = [b.cursor async for b in _batches(src.batches(), read_ahead)]
    assert got == ["1", "2", "3", "4", "5"]
    assert src.closed


async def test_the_next_batch_is_read_while_this_one_is_written() -> None:
    src = Source(3)
    seen_while_writing = []
    async with contextlib.aclosing(_batches(src.batches(), True)) as batches:
        async for batch in batches:
            await asyncio.sleep(0.01)  # the write
            seen_while_writing.append((batch.cursor, list(src.started)))
    assert seen_while_writing[0] == ("1", [0, 1])
    assert seen_while_writing[1] == ("2", [0, 1, 2])


async def test_a_failed_write_closes_the_source_and_drops_the_batch_in_flight() -> None:
    src = Source(10)
    with pytest.raises(RuntimeError):
        async with contextlib.aclosing(_batches(src.batches(), True)) as batches:
            async for batch in batches:
                if batch.cursor == "2":
                    raise RuntimeError("disk full")
    assert src.closed
    assert len(src.started) <= 3
