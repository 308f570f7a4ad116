"""Text folded for search: lower case, accents dropped ('Zoë' and 'ZOE' both become 'zoe').

Registered on every SQLite connection as `caseyos_fold()` (daemon.store.engine), so a query
folds the stored column exactly as the search text is folded in Python.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, func

FOLD_FUNCTION = "caseyos_fold"
# Letters that decompose to no base letter under NFKD, spelled as people type them.
_SPELLED = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPELLED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded_sql(dialect: str, expr: Any) -> ColumnElement[Any]:
    """`expr` folded as a query runs: by `caseyos_fold()` on SQLite; elsewhere only
    lower-cased (case-blind, accent-sensitive)."""
    if dialect == "sqlite":
        return getattr(func, FOLD_FUNCTION)(expr)  # type: ignore[no-any-return]
    return func.lower(expr)
