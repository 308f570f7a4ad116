"""The paging part of every list operation's params and result (see daemon.domain.paging)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import paging
from daemon.errors import InvalidParams
from daemon.registry import Params
from daemon.wire import WireModel

CURSOR_HELP = "`next_cursor` from the previous page, to continue where it ended."


class PageParams(Params):
    """A list's paging: subclasses restate `limit` with their own default."""

    limit: int = Field(50, ge=1, le=paging.PAGE_MAX, description="At most this many rows.")
    cursor: str | None = Field(None, max_length=512, description=CURSOR_HELP)

    def filters(self) -> dict[str, Any]:
        """The params that choose rows, which a cursor is bound to."""
        return self.model_dump(exclude={"limit", "cursor"}, mode="json")


class PageInfo(WireModel):
    total: int = Field(description="How many rows match, over all pages.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def _bad(exc: paging.BadCursor) -> InvalidParams:
    return InvalidParams(str(exc), field="cursor")


async def keyset(
    session: AsyncSession,
    listing: str,
    query: Select[Any],
    keys: Sequence[paging.Key],
    p: PageParams,
) -> paging.Page:
    try:
        return await paging.keyset(
            session,
            query,
            keys,
            limit=p.limit,
            cursor=p.cursor,
            scope_id=paging.scope(listing, p.filters()),
        )
    except paging.BadCursor as exc:
        raise _bad(exc) from None


def offset(listing: str, p: PageParams) -> tuple[int, str]:
    """Where an offset-paged listing resumes, and the scope to bind its next cursor to."""
    scope_id = paging.scope(listing, p.filters())
    try:
        return paging.offset_of(p.cursor, scope_id), scope_id
    except paging.BadCursor as exc:
        raise _bad(exc) from None
