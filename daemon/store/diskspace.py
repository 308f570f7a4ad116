"""A full disk, told apart from other failures, and a little room kept for saying so.

When SQLite or the file system reports that the disk is full (SQLITE_FULL, ENOSPC), an
operation answers `unavailable` with "disk full at PATH: N MB free" instead of an internal
error. A small reserve file in the state directory is made at start-up and given up when
the disk fills, so the daemon can still write its log line, roll back and answer status;
it is made again once there is room.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from daemon.errors import Unavailable

log = logging.getLogger(__name__)

RESERVE_BYTES = 1 << 20
RESERVE_NAME = "space-reserve"


def _chain(exc: BaseException, *, context: bool) -> Iterator[BaseException]:
    """`exc` and what it wraps: the driver's error SQLAlchemy keeps in `orig`, else the
    cause (and, with `context`, the exception being handled when it was raised)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            current = orig
        else:
            current = current.__cause__ or (current.__context__ if context else None)


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or what it wraps, is a full disk (SQLITE_FULL, ENOSPC)."""
    for e in _chain(exc, context=True):
        if isinstance(e, sqlite3.Error) and (
            getattr(e, "sqlite_errorname", "") == "SQLITE_FULL"
            or "database or disk is full" in str(e)
        ):
            return True
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return True
    return False


def is_damaged(exc: BaseException) -> bool:
    """Whether `exc` is SQLite finding a damaged page (SQLITE_CORRUPT, SQLITE_NOTADB)."""
    return any(
        isinstance(e, sqlite3.DatabaseError)
        and (
            getattr(e, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
            or "malformed" in str(e)
        )
        for e in _chain(exc, context=False)
    )


def disk_full(reserve: Reserve | None, path: Path, doing: str) -> Unavailable:
    """The answer to a full disk: where, how much is free, and room made to say so."""
    gave_back = reserve.release() if reserve is not None else False
    where = path.parent
    free = free_mb(where)
    log.warning(
        "disk full at %s (%.1f MB free) during %s%s",
        where,
        free,
        doing,
        "; gave back the space reserve" if gave_back else "",
    )
    return Unavailable(f"disk full at {where}: {free:.1f} MB free; free some space, then retry")


def free_mb(path: Path) -> float:
    try:
        return shutil.disk_usage(path).free / (1 << 20)
    except OSError:
        return 0.0


class Reserve:
    """A file whose space is given back when the disk fills."""

    def __init__(self, directory: Path):
        self.path = directory / RESERVE_NAME
        self.held = False

    def ensure(self) -> bool:
        """Make the reserve if it is missing and there is room; whether it is there."""
        self.held = self._make()
        return self.held

    def _make(self) -> bool:
        if self.path.exists():
            return True
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return True
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(b"\0" * RESERVE_BYTES)  # real blocks, not a sparse hole
                f.flush()
                os.fsync(f.fileno())
            return True
        except OSError:
            with contextlib.suppress(OSError):
                self.path.unlink()
            return False

    def release(self) -> bool:
        """Give the space back; whether there was any to give."""
        self.held = False
        try:
            self.path.unlink()
            return True
        except FileNotFoundError:
            return False
