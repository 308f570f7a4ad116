"""Copies of a workspace's database: made while it is in use, kept a week, put back on request.

`copy_online` uses SQLite's online backup API on a connection of its own, so readers and
the writer go on while it copies, and checks the copy (`PRAGMA quick_check`) before it
counts. Backups live in `data/backups/<workspace>/`, one a day (and one before each
migration), the newest `KEEP` kept.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

KEEP = 7
SUFFIX = ".sqlite3"


class BackupError(Exception):
    pass


def backups_dir(data_dir: Path, workspace: str) -> Path:
    return data_dir / "backups" / workspace


def copy_online(source: Path, dest: Path) -> Path:
    """A consistent, checked copy of `source` at `dest` (written whole or not at all)."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            dst = sqlite3.connect(partial)
            try:
                # Pages in steps: the workspace's writer is never held up for a whole copy.
                src.backup(dst, pages=2048)
                verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        if verdict != "ok":
            raise BackupError(f"the copy of {source} did not check out: {verdict}")
        os.replace(partial, dest)
        return dest
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def listed(data_dir: Path, workspace: str) -> list[Path]:
    """A workspace's backups, newest first."""
    folder = backups_dir(data_dir, workspace)
    if not folder.exists():
        return []
    return sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.name, reverse=True)


def make(data_dir: Path, workspace: str, source: Path, now: datetime, why: str = "") -> Path:
    """Today's backup of a workspace (replacing an earlier one of today), oldest pruned."""
    label = f"{now:%Y-%m-%d}" + (f"-{why}" if why else "")
    dest = copy_online(source, backups_dir(data_dir, workspace) / f"{label}{SUFFIX}")
    for old in listed(data_dir, workspace)[KEEP:]:
        old.unlink(missing_ok=True)
    return dest


def restore(backup: Path, target: Path) -> None:
    """Put a backup in place of a workspace's database (the workspace must be closed)."""
    check = copy_online(backup, target.with_name(target.name + ".restoring"))
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(check, target)
