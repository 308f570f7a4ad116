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
    """The 0700 directory holding the socket, the pid file and the startup lock."""
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


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by us (0700), fixing the mode if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if st.st_mode & stat.S_ISVTX:
        # A shared sticky directory such as /tmp named through CASEYOS_SOCKET: not ours to
        # lock down; the socket itself is still 0600.
        return path
    if st.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to uid {st.st_uid}, not to you ({os.getuid()})")
    if st.st_mode & 0o777 != 0o700:
        os.chmod(path, 0o700)
    return path
