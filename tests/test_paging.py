"""Keyset and offset pages on a real migrated database: complete, disjoint, bound to filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from daemon.domain import paging
from daemon.domain.paging import BadCursor, Key
from daemon.store.models import Signal
from tests.store_fixtures import Store

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    # 30 signals on 10 instants: three share each time, so the id must break ties.
    rows = [
        {
            "kind": "email.received" if i % 2 else "task.due",
            "source": "test",
            "occurred_at": T0 + timedelta(hours=i // 3),
            "payload": {},
            "dedup_key": f"k{i}",
            "created_at": T0,
        }
        for i in range(30)
    ]
    async with s.transaction() as session:
        await session.execute(insert(Signal), rows)
    yield s
    await s.close()


NEWEST = (Key(Signal.occurred_at, descending=True), Key(Signal.id, descending=True))


async def _walk(store: Store, keys: tuple[Key, ...], size: int, kind: str | None) -> list[int]:
    scope = paging.scope("t", {"kind": kind})
    query = select(Signal)
    if kind:
        query = query.where(Signal.kind == kind)
    seen: list[int] = []
    cursor = None
    async with store.factory() as s:
        while True:
            page = await paging.keyset(s, query, keys, limit=size, cursor=cursor, scope_id=scope)
            assert page.total == (15 if kind else 30)
            assert len(page.rows) <= size
            seen += [r.id for r in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                return seen


@pytest.mark.parametrize("size", [1, 4, 7, 30, 31])
async def test_pages_cover_every_row_once_in_order(store: Store, size: int) -> None:
    ids = await _walk(store, NEWEST, size, None)
    async with store.factory() as s:
        expected = (
            await s.scalars(select(Signal.id).order_by(Signal.occurred_at.desc(), Signal.id.desc()))
        ).all()
    assert ids == list(expected)


async def test_mixed_directions_page_in_order(store: Store) -> None:
    keys = (Key(Signal.kind), Key(Signal.occurred_at, descending=True), Key(Signal.id))
    ids = await _walk(store, keys, 4, None)
    async with store.factory() as s:
        expected = (
            await s.scalars(
                select(Signal.id).order_by(Signal.kind, Signal.occurred_at.desc(), Signal.id)
            )
        ).all()
    assert ids == list(expected)


async def test_filters_page_within_themselves(store: Store) -> None:
    ids = await _walk(store, NEWEST, 4, "task.due")
    assert len(ids) == len(set(ids)) == 15


async def test_a_row_added_meanwhile_does_not_shift_later_pages(store: Store) -> None:
    scope = paging.scope("t", {})
    async with store.factory() as s:
        first = await paging.keyset(s, select(Signal), NEWEST, limit=5, cursor=None, scope_id=scope)
    async with store.transaction() as s:
        await s.execute(
            insert(Signal),
            [
                {
                    "kind": "x",
                    "source": "t",
                    "occurred_at": T0 + timedelta(days=9),
                    "payload": {},
                    "dedup_key": "new",
                    "created_at": T0,
                }
            ],
        )
    async with store.factory() as s:
        second = await paging.keyset(
            s, select(Signal), NEWEST, limit=5, cursor=first.next_cursor, scope_id=scope
        )
    assert second.total == 31
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}
    assert min(r.occurred_at for r in first.rows) >= max(r.occurred_at for r in second.rows)


async def test_a_cursor_from_other_filters_or_made_up_is_refused(store: Store) -> None:
    async with store.factory() as s:
        page = await paging.keyset(
            s, select(Signal), NEWEST, limit=5, cursor=None, scope_id=paging.scope("t", {})
        )
        assert page.next_cursor
        with pytest.raises(BadCursor, match="another listing"):
            await paging.keyset(
                s,
                select(Signal),
                NEWEST,
                limit=5,
                cursor=page.next_cursor,
                scope_id=paging.scope("t", {"kind": "x"}),
            )
        for junk in ("garbage", "eyJ4IjoxfQ", "!!!", page.next_cursor[:-3]):
            with pytest.raises(BadCursor):
                await paging.keyset(
                    s, select(Signal), NEWEST, limit=5, cursor=junk, scope_id=paging.scope("t", {})
                )


def test_offset_cursors_round_trip_and_end() -> None:
    scope = paging.scope("today", {})
    cursor = paging.next_offset(0, 25, 60, scope)
    assert cursor and paging.offset_of(cursor, scope) == 25
    assert paging.next_offset(50, 10, 60, scope) is None
    assert paging.next_offset(0, 0, 60, scope) is None
    with pytest.raises(BadCursor):
        paging.offset_of(cursor, paging.scope("jobs", {}))
