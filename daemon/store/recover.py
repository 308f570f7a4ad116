"""Salvaging the rows a damaged workspace database can still give.

A fresh file gets the current schema (from the migrations, by the caller); then every
table of the schema is copied over row by row range: a range that SQLite cannot read
(a damaged page) is split in halves until what is readable is read and what is not is
skipped. Foreign keys are not enforced during the copy (a row may have lost its parent).
No external program is needed; the result is checked before the caller puts it in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

# Searched when the table's own bounds cannot be read: rowids are positive 64-bit.
WIDEST = (1, (1 << 62))


class RecoverError(Exception):
    pass


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _readable(
    src: sqlite3.Connection,
    table: str,
    columns: str,
    lo: int,
    hi: int,
    out: list[tuple[object, ...]],
) -> int:
    """Append the rows with rowid in [lo, hi] that can be read; how many could not."""
    try:
        out.extend(
            src.execute(
                f'SELECT {columns} FROM "{table}" WHERE rowid BETWEEN ? AND ? ORDER BY rowid',
                (lo, hi),
            ).fetchall()
        )
        return 0
    except sqlite3.DatabaseError:
        if lo >= hi:
            return 1
        mid = (lo + hi) // 2
        return _readable(src, table, columns, lo, mid, out) + _readable(
            src, table, columns, mid + 1, hi, out
        )


def _bounds(src: sqlite3.Connection, table: str) -> tuple[int, int]:
    try:
        lo, hi = src.execute(f'SELECT min(rowid), max(rowid) FROM "{table}"').fetchone()
    except sqlite3.DatabaseError:
        return WIDEST
    return (int(lo), int(hi)) if lo is not None else (0, -1)


def salvage(damaged: Path, dest: Path, tables: Sequence[str]) -> dict[str, int]:
    """Copy what `damaged` still holds of `tables` into `dest` (which has the schema);
    rows copied per table. Raises RecoverError when nothing at all can be read."""
    try:
        src = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise RecoverError(f"cannot open {damaged}: {exc}") from None
    dst = sqlite3.connect(dest)
    copied: dict[str, int] = {}
    try:
        dst.execute("PRAGMA foreign_keys = OFF")
        for table in tables:
            want = _columns(dst, table)
            try:
                have = set(_columns(src, table))
            except sqlite3.DatabaseError:
                have = set(want)
            columns = [c for c in want if c in have]
            if not columns:
                copied[table] = 0
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            rows: list[tuple[object, ...]] = []
            lo, hi = _bounds(src, table)
            if lo <= hi:
                _readable(src, table, listed, lo, hi, rows)
            marks = ", ".join("?" for _ in columns)
            dst.executemany(f'INSERT OR IGNORE INTO "{table}" ({listed}) VALUES ({marks})', rows)
            copied[table] = len(rows)
        dst.commit()
        verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        src.close()
        dst.close()
    if verdict != "ok":
        raise RecoverError(f"the recovered copy did not check out: {verdict}")
    if not any(copied.values()):
        raise RecoverError(f"no row of {damaged} could be read; restore a backup instead")
    dest.chmod(0o600)
    return copied
