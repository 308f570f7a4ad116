"""Pages of a long list: at most `limit` rows, the total, and a cursor for the next page.

A cursor is opaque to clients. Most lists page by **keyset**: the cursor holds the sort key
of the last row shown, and the next page starts after it, so rows added meanwhile neither
repeat nor push others off a page, and a deep page costs what the first one does. Lists
merged from several queries (today's moves, jobs across workspaces) page by **offset**.
Either way the cursor carries a fingerprint of the filters it was made for: handing it to
another listing is an error, not a silently wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

# The most rows one request returns: a page of moves stays well under the frame limit.
PAGE_MAX = 1000


class BadCursor(ValueError):
    """A cursor this daemon did not give out for this listing."""


@dataclass(frozen=True)
class Key:
    """One sort column of a keyset: an expression that is never NULL, and its direction."""

    expr: ColumnElement[Any] | QueryableAttribute[Any]
    descending: bool = False


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    total: int
    next_cursor: str | None


def scope(listing: str, filters: dict[str, Any]) -> str:
    """A short fingerprint of a listing and its filters, to bind cursors to them."""
    text = json.dumps([listing, filters], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _encode(kind: str, value: Any, scope_id: str) -> str:
    raw = json.dumps({kind: value, "s": scope_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, kind: str, scope_id: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        obj = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise BadCursor("that cursor is not one this daemon gave out") from None
    if not isinstance(obj, dict) or kind not in obj:
        raise BadCursor("that cursor is not one this daemon gave out")
    if obj.get("s") != scope_id:
        raise BadCursor(
            "that cursor belongs to another listing (other filters); start again without it"
        )
    return obj[kind]


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"d": value.isoformat()}
    if isinstance(value, date):
        return {"D": value.isoformat()}
    if value is None or isinstance(value, int | float | str):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _unwire(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"d"}:
        return datetime.fromisoformat(value["d"])
    if isinstance(value, dict) and set(value) == {"D"}:
        return date.fromisoformat(value["D"])
    if value is None or isinstance(value, int | float | str):
        return value
    raise BadCursor("that cursor is not one this daemon gave out")


def _after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows that sort after `values`: one row-value comparison when every key runs the same
    way (SQLite walks an index for it), else the lexicographic OR of its parts."""
    if len({k.descending for k in keys}) == 1:
        row = tuple_(*(k.expr for k in keys))
        start = tuple_(*values)
        return row < start if keys[0].descending else row > start
    parts = []
    for i, key in enumerate(keys):
        same = [keys[j].expr == values[j] for j in range(i)]
        beyond = key.expr < values[i] if key.descending else key.expr > values[i]
        parts.append(and_(*same, beyond))
    return or_(*parts)


async def count(session: AsyncSession, query: Select[Any]) -> int:
    """Rows the query would return without a limit."""
    inner = query.order_by(None).limit(None).offset(None).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def keyset(
    session: AsyncSession,
    query: Select[Any],
    keys: Sequence[Key],
    *,
    limit: int,
    cursor: str | None,
    scope_id: str,
) -> Page:
    """One page of `query` (a select of one entity, filtered, not ordered) in `keys` order.

    The last key must make the order total (an id), or rows sharing a key could be skipped.
    """
    total = await count(session, query)
    labelled = [k.expr.label(f"_page_key_{i}") for i, k in enumerate(keys)]
    paged = query.add_columns(*labelled).order_by(
        *(k.expr.desc() if k.descending else k.expr.asc() for k in keys)
    )
    if cursor:
        values = _decode(cursor, "k", scope_id)
        if not isinstance(values, list) or len(values) != len(keys):
            raise BadCursor("that cursor is not one this daemon gave out")
        paged = paged.where(_after(keys, [_unwire(v) for v in values]))
    rows = (await session.execute(paged.limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode("k", [_wire(v) for v in last[1:]], scope_id)
    return Page(rows=[r[0] for r in rows], total=total, next_cursor=next_cursor)


def offset_of(cursor: str | None, scope_id: str) -> int:
    """Where an offset-paged list resumes."""
    if not cursor:
        return 0
    offset = _decode(cursor, "o", scope_id)
    if not isinstance(offset, int) or offset < 0:
        raise BadCursor("that cursor is not one this daemon gave out")
    return offset


def next_offset(offset: int, shown: int, total: int, scope_id: str) -> str | None:
    """The cursor after a page of an offset-paged list, or None at its end."""
    end = offset + shown
    return _encode("o", end, scope_id) if shown and end < total else None
