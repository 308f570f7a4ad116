"""Where CaseyOS keeps its files. Every process computes paths here, and nowhere else.

`CASEYOS_HOME` puts everything (data, state, runtime) under one directory, which is what
tests do. `CASEYOS_SOCKET` overrides only the socket. Otherwise the data lives in the
platform's user data dir and the socket in the XDG runtime dir. Standard library only on
the common path: platformdirs is imported only when no override is set.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

APP = "caseyos"
# sun_path is 108 bytes on Linux and 104 on macOS, including the trailing NUL.
SUN_PATH_MAX = 103


def home_override() -> Path | None:
    value = os.environ.get("CASEYOS_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = home_override()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def state_dir() -> Path:
    home = home_override()
    if home is not None:
        return home / "state"
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def runtime_dir() -> Path:
    """The 0700 directory holding the socket, the pid file and the startup lock.

    Without XDG_RUNTIME_DIR it is `caseyos-<uid>` in the temp directory: a name every
    process computes alike, with nothing to remember. Another user can create it first;
    ensure_private_dir then refuses it (a symlink, or not ours) instead of using it, so the
    worst they can do is stop us starting, with a message saying how to choose another.
    """
    home = home_override()
    if home is not None:
        return home / "run"
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and Path(xdg).is_dir():
        return Path(xdg) / APP
    return Path(tempfile.gettempdir()) / f"{APP}-{os.getuid()}"


def _short_fallback(preferred: Path) -> Path:
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:10]
    return Path("/tmp") / f"{APP}-{os.getuid()}-{digest}" / "sock"


def socket_path() -> Path:
    """The one socket path every process agrees on.

    When the natural path is too long for AF_UNIX, a short path under /tmp derived from
    it is used instead, so two homes never share a socket.
    """
    explicit = os.environ.get("CASEYOS_SOCKET")
    preferred = Path(explicit) if explicit else runtime_dir() / "caseyos.sock"
    if len(os.fsencode(str(preferred))) <= SUN_PATH_MAX:
        return preferred
    return _short_fallback(preferred)


def pid_file() -> Path:
    return socket_path().parent / "daemon.pid"


def startup_lock() -> Path:
    return socket_path().parent / "startup.lock"


def log_file() -> Path:
    return state_dir() / "daemon.log"


def workspaces_dir() -> Path:
    return data_dir() / "workspaces"


def active_workspace_file() -> Path:
    return data_dir() / "active_workspace"


class UnsafeDirectory(Exception):
    """A directory CaseyOS would use is not safely ours; the message names it and what to do."""


def _refuse(path: Path, why: str) -> UnsafeDirectory:
    return UnsafeDirectory(
        f"refusing to use {path}: {why}. Remove or rename it, or set CASEYOS_HOME (or "
        "XDG_RUNTIME_DIR, or CASEYOS_SOCKET) to a directory of your own"
    )


PRIVATE_FILE = 0o600


def open_private(path: Path, flags: int) -> int:
    """os.open a file of ours, created 0600 whatever the umask, never through a symlink."""
    return os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE)


def touch_private(path: Path) -> None:
    """Create an empty 0600 file if there is none (SQLite gives -wal and -shm its mode)."""
    os.close(open_private(path, os.O_WRONLY))


def write_private_text(path: Path, text: str) -> None:
    fd = open_private(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def tighten(roots: list[Path]) -> list[Path]:
    """Take group and other access off our own directories and files under `roots` (a
    root may be one file).

    An install made before CaseyOS set its modes has 0755 directories and 0644 files. Only
    what we own is touched and symlinks are never followed. Returns what was changed.
    """
    changed: list[Path] = []
    uid = os.getuid()

    def fix(p: Path) -> None:
        try:
            st = p.lstat()
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode) or st.st_uid != uid or not st.st_mode & 0o077:
            return
        if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            return  # a socket is made 0600 by the server; nothing else should be here
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return  # gone or swapped since we looked: not ours to judge
        try:
            st = os.fstat(fd)
            if st.st_uid == uid and st.st_mode & 0o077:
                os.fchmod(fd, stat.S_IMODE(st.st_mode) & ~0o077)
                changed.append(p)
        finally:
            os.close(fd)

    for root in roots:
        if root.is_symlink() or not root.exists():
            continue
        fix(root)
        if not root.is_dir():
            continue
        for top, dirs, files in os.walk(root):
            for name in dirs + files:
                fix(Path(top) / name)
    return changed


def tighten_one(path: Path) -> list[Path]:
    """tighten() for one directory itself, not what is in it (CASEYOS_HOME)."""
    if not path.is_dir() or path.is_symlink():
        return []
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid() or not st.st_mode & 0o077 or st.st_mode & stat.S_ISVTX:
            return []
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & ~0o077)
    finally:
        os.close(fd)
    return [path]


def _make_dirs(path: Path) -> None:
    """Create `path` and any missing parents as 0700, whatever the umask; an existing
    entry is left as it is (the caller looks at it without following links)."""
    missing = []
    at = path
    while not os.path.lexists(at):
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            continue  # raced with another process: judged below like any existing entry
        _fix_new(d)


def _fix_new(d: Path) -> None:
    # mkdir's mode passes through the umask; the directory is ours and new, set it exactly.
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by us (0700), or tighten our own existing one.

    Never follows a symlink another user made at `path`, and never touches a directory
    someone else owns: in a shared sticky directory such as /tmp another user could have
    put either there first, to have us lock down their directory or put our socket where
    they can reach it. Raises UnsafeDirectory for both. A symlink we made, or root did
    (system layout: /var/run, macOS's /tmp), is followed; its target is judged the same way.
    """
    _make_dirs(path)
    flags = os.O_RDONLY | os.O_DIRECTORY
    try:
        st = path.lstat()
    except OSError as exc:
        raise _refuse(path, f"it cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        if st.st_uid not in (0, os.getuid()):
            raise _refuse(
                path, f"it is a symbolic link (to {os.readlink(path)}) made by uid {st.st_uid}"
            )
    else:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except NotADirectoryError:
        raise _refuse(path, "it is not a directory") from None
    except OSError as exc:
        # ELOOP: it became a symlink since we looked.
        raise _refuse(path, f"it cannot be opened ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if st.st_mode & stat.S_ISVTX:
            # A shared sticky directory such as /tmp named through CASEYOS_SOCKET: not ours
            # to lock down; the socket itself is still 0600.
            return path
        if st.st_uid != os.getuid():
            raise _refuse(path, f"it belongs to uid {st.st_uid}, not to you (uid {os.getuid()})")
        if st.st_mode & 0o777 != 0o700:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return path
