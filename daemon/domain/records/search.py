"""Search that ignores case and accents ('zoe' finds 'Zoë'), and picking one record by name.

Both sides go through `daemon.store.fold`: the search text here, the stored column through
the same function registered on every SQLite connection. On another database the search falls
back to `lower()`: case-insensitive, accent-sensitive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.fold import fold, folded_sql


def folded(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    return folded_sql(session.get_bind().dialect.name, column)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(
    session: AsyncSession,
    columns: Sequence[Any],
    text: str,
    *,
    stored_folded: Sequence[Any] = (),
) -> ColumnElement[bool]:
    """Some column contains every word of `text`, case and accents aside.

    `columns` are folded as the query runs (a function call per row); `stored_folded`
    are columns that already hold folded text (contacts' and companies' `name_key`), which
    SQLite compares without calling back into Python.
    """
    words = (fold(text) or "").split()
    if not words:
        return literal(True)
    terms = []
    for word in words:
        pattern = _like_pattern(word)
        matches = [folded(session, c).like(pattern, escape="\\") for c in columns]
        matches += [c.like(pattern, escape="\\") for c in stored_folded]
        terms.append(or_(*matches))
    return and_(*terms)


def equals(session: AsyncSession, column: Any, text: str) -> ColumnElement[bool]:
    """The column is `text`, case and accents aside ('closed won' = 'Closed Won')."""
    return folded(session, column) == fold(text.strip())


class Ambiguous(LookupError):
    """Several records match a name; the message lists them so the user can pick an id."""


class Missing(LookupError):
    pass


async def by_id(session: AsyncSession, model: Any, text: str, what: str) -> Any:
    """The record whose id `text` is, when it is a number (None when it is not one)."""
    if not text.strip().isdigit():
        return None
    found = await session.get(model, int(text))
    if found is None:
        raise Missing(f"no {what} #{text.strip()}")
    return found


async def pick(session: AsyncSession, query: Select[Any], what: str, text: str, label: Any) -> Any:
    """The one row of `query` (already filtered by `text`); several or none is an error."""
    rows = (await session.scalars(query.limit(6))).all()
    if not rows:
        raise Missing(f"no {what} matches '{text}'")
    if len(rows) > 1:
        # "Dana Reyes" picks Dana Reyes even when "Dana Reyes-Ortiz" also matches.
        exact = [r for r in rows if fold(label(r)) == fold(text.strip())]
        if len(exact) == 1:
            return exact[0]
        shown = ", ".join(f"{label(r)} (#{r.id})" for r in rows[:5])
        more = " and more" if len(rows) > 5 else ""
        raise Ambiguous(f"several {what}s match '{text}': {shown}{more}; give the id")
    return rows[0]
