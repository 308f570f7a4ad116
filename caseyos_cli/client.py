"""The socket client every front end uses: connect, hello, call; start the daemon if needed.

Standard library only (plus our stdlib-only protocol and paths modules), so that
`caseyos queue today --json` stays fast and never loads the daemon's dependencies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from daemon import paths, protocol
from daemon.protocol import ErrorCode, RemoteError


def seconds(name: str, default: float) -> float:
    """A wait the environment may set (`CASEYOS_...`), read when it is needed."""
    return float(os.environ.get(name, default))


def autostart_wait() -> float:
    return seconds("CASEYOS_AUTOSTART_WAIT", 60)


def call_timeout() -> float:
    return seconds("CASEYOS_TIMEOUT", 120)


def hello_timeout() -> float:
    """A daemon answers hello from its event loop at once; a socket that stays silent is not
    ours or is wedged, and a command should say so rather than wait for the call timeout."""
    return seconds("CASEYOS_HELLO_TIMEOUT", 10)


def busy_wait() -> float:
    """A daemon whose listen backlog is full (stopped, or swamped) is still there: wait this
    long for it to take connections again before saying so. Never a reason to start
    another."""
    return seconds("CASEYOS_BUSY_WAIT", 5)


class DaemonUnreachable(Exception):
    """No daemon answered; the message names the socket and what to run next."""

    hint = "start it with `caseyos daemon start` (its log: `caseyos daemon logs`)"


class DaemonBusy(DaemonUnreachable):
    """A daemon listens on the socket but does not accept connections (backlog full)."""

    hint = (
        "it runs but does not take connections: it may be stopped (kill -STOP; kill -CONT "
        "resumes it) or swamped; try again shortly, or see `caseyos daemon logs`"
    )


class ProtocolMismatch(Exception):
    pass


def _check_owner(path: Path) -> None:
    """Refuse a socket someone else owns: it could be an impostor daemon."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise DaemonUnreachable(f"{path} is not a socket; move it away and retry")
    if st.st_uid != os.getuid():
        raise DaemonUnreachable(
            f"permission denied: {path} belongs to uid {st.st_uid}, not to you "
            f"(uid {os.getuid()}); set CASEYOS_SOCKET or CASEYOS_HOME to a path of your own"
        )


class Client:
    def __init__(self, sock: socket.socket, path: Path):
        self.sock = sock
        self.path = path
        self._next_id = 1
        self.server: dict[str, Any] = {}

    @classmethod
    def connect(cls, path: Path | None = None, *, timeout: float | None = None) -> Client:
        """Connect and say hello (each step within `timeout`, by default the call
        timeout); raises DaemonUnreachable or ProtocolMismatch."""
        timeout = call_timeout() if timeout is None else timeout
        path = path or paths.socket_path()
        _check_owner(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            sock.close()
            raise DaemonUnreachable(f"no daemon answered at {path} ({exc.strerror})") from None
        except PermissionError:
            sock.close()
            raise DaemonUnreachable(
                f"permission denied connecting to {path}; it belongs to another user"
            ) from None
        except OSError as exc:
            # Only a refused connection or a missing socket means no daemon; EAGAIN (a full
            # listen backlog), a timeout and the rest mean one is there but not accepting.
            sock.close()
            raise DaemonBusy(
                f"the daemon at {path} is busy (not accepting connections: {exc.strerror or exc})"
            ) from None
        client = cls(sock, path)
        waiting = min(timeout, hello_timeout())
        try:
            hello = client._hello(waiting)
        except RemoteError as exc:
            client.close()
            if exc.code == ErrorCode.UNAUTHORIZED:
                raise DaemonUnreachable(f"the daemon at {path} refused us: {exc.message}") from None
            raise ProtocolMismatch(_not_ours(path, f"it answered hello with {exc.code}")) from None
        except protocol.ProtocolError as exc:
            client.close()
            raise ProtocolMismatch(_not_ours(path, exc.message)) from None
        except TimeoutError:
            client.close()
            raise DaemonUnreachable(
                f"{path} accepted the connection but sent no hello within {waiting:g}s"
            ) from None
        except (ConnectionError, OSError) as exc:
            client.close()
            raise DaemonUnreachable(f"the daemon at {path} hung up during hello: {exc}") from None
        sock.settimeout(timeout)
        if hello.get("protocol") != protocol.PROTOCOL_VERSION:
            client.close()
            raise ProtocolMismatch(
                f"the daemon at {path} speaks protocol {hello.get('protocol')} (version "
                f"{hello.get('version')}), this client speaks {protocol.PROTOCOL_VERSION}; "
                "restart it with `caseyos daemon restart`"
            )
        client.server = hello
        return client

    def _hello(self, timeout: float) -> dict[str, Any]:
        """Say hello; anything but a CaseyOS hello in answer raises ProtocolError.

        The first bytes back decide: a server of another kind (HTTP, a shell, a CaseyOS of
        an older wire format) answers with something that is not our frame, and what it
        said is quoted so the operator can tell what sits on the socket.
        """
        self.sock.settimeout(timeout)
        req_id = self._next_id
        self._next_id += 1
        hello = {"protocol": protocol.PROTOCOL_VERSION}
        self.sock.sendall(protocol.encode({"id": req_id, "op": "hello", "params": hello}))
        head = _recv_some(self.sock, protocol.HEADER.size)
        if len(head) < protocol.HEADER.size:
            if not head:
                raise ConnectionError("it closed the connection")
            raise protocol.ProtocolError(ErrorCode.BAD_FRAME, f"it answered {_quote(head)}")
        (length,) = protocol.HEADER.unpack(head)
        if length > protocol.MAX_FRAME:
            more = _recv_some(self.sock, 60, wait=False)
            raise protocol.ProtocolError(ErrorCode.BAD_FRAME, f"it answered {_quote(head + more)}")
        body = _recv_some(self.sock, length)
        try:
            reply = protocol.decode_body(body)
        except protocol.ProtocolError:
            raise protocol.ProtocolError(
                ErrorCode.BAD_FRAME, f"it answered {_quote(head + body)}"
            ) from None
        if not reply.get("ok"):
            error = reply.get("error")
            if isinstance(error, dict) and "code" in error:
                raise RemoteError.from_wire(error)
            raise protocol.ProtocolError(ErrorCode.BAD_FRAME, "its answer to hello is not ours")
        result = reply.get("result")
        if not isinstance(result, dict) or "protocol" not in result:
            raise protocol.ProtocolError(ErrorCode.BAD_FRAME, "its answer to hello has no protocol")
        return result

    def call(self, op: str, params: dict[str, Any] | None = None) -> Any:
        req_id = self._next_id
        self._next_id += 1
        self.sock.sendall(protocol.encode({"id": req_id, "op": op, "params": params or {}}))
        while True:
            reply = protocol.read_frame_blocking(self.sock)
            if "event" in reply:
                continue
            if reply.get("id") not in (req_id, None):
                continue
            if reply.get("ok"):
                return reply.get("result")
            raise RemoteError.from_wire(reply.get("error") or {})

    def subscribe(self, since: int | None = None) -> None:
        """Turn this connection into an event stream; returns once the daemon confirmed it.

        Events may be far apart, so the connection stops timing out.
        """
        self.sock.settimeout(None)
        self.call("events.subscribe", {"since": since} if since is not None else {})

    def events(self, since: int | None = None) -> Iterator[dict[str, Any]]:
        """Subscribe, then yield events until the daemon stops."""
        self.subscribe(since)
        return self._event_frames()

    def _event_frames(self) -> Iterator[dict[str, Any]]:
        while True:
            try:
                frame = protocol.read_frame_blocking(self.sock)
            except ConnectionError:
                return
            if "event" in frame:
                yield frame["event"]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _recv_some(sock: socket.socket, n: int, *, wait: bool = True) -> bytes:
    """Up to n bytes: all of them unless the peer closes first (or, without wait, stalls)."""
    data = bytearray()
    if not wait:
        sock.settimeout(0.2)
    while len(data) < n:
        try:
            chunk = sock.recv(n - len(data))
        except TimeoutError:
            if wait:
                raise
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _quote(raw: bytes) -> str:
    """The start of what a foreign server said, on one line."""
    text = raw.decode("utf-8", errors="replace").splitlines()[0] if raw.strip() else ""
    text = "".join(c if c.isprintable() else "?" for c in text)[:40]
    return repr(text) if text else f"{len(raw)} bytes that are not a CaseyOS frame"


def _not_ours(path: Path, what: str) -> str:
    return f"{path} is not a CaseyOS daemon ({what}); check CASEYOS_SOCKET"


def autostart_disabled() -> bool:
    return os.environ.get("CASEYOS_NO_AUTOSTART", "") not in ("", "0")


def spawn_daemon() -> subprocess.Popen[bytes]:
    """Start a detached daemon whose output goes to its log file. It runs as `python -m
    daemon`, the daemon's own entry point (the same `daemon.lifecycle.main` that `caseyos
    daemon run` calls), so the command line's parser is not loaded for it."""
    log = paths.log_file()
    paths.ensure_private_dir(log.parent)
    fd = paths.open_private(log, os.O_WRONLY | os.O_APPEND)
    with os.fdopen(fd, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "daemon"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )


def _log_tail(lines: int = 8) -> str:
    """The log's last records, indented, for a start-up that failed."""
    from daemon.logfmt import parse

    try:
        text = paths.log_file().read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    shown = []
    for line in text[-lines:]:
        record = parse(line)
        head = f"{record['level']} {record['logger']}: " if record["level"] else ""
        shown += [f"    {part}" for part in (head + record["message"]).splitlines()]
    return "\n".join(shown)


def _connect_or_wait(path: Path) -> Client:
    """Client.connect, waiting up to `busy_wait()` (with backoff) for a busy daemon.

    Raises DaemonBusy if it is still busy then: that daemon exists, so nobody may start
    another one in its place.
    """
    wait = busy_wait()
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            return Client.connect(path)
        except DaemonBusy as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DaemonBusy(
                    f"the daemon at {path} is busy (not accepting connections); waited {wait:g}s"
                ) from exc
            time.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)


def connect(autostart: bool = True, *, asked: bool = False) -> Client:
    """Connect to the daemon, starting one (once, under a lock) when none answers.

    CASEYOS_NO_AUTOSTART stops commands from starting it on their own; `asked` is for
    `caseyos daemon start`, where starting it is the whole point. A busy daemon (one that
    does not accept connections) is waited for, never replaced.
    """
    path = paths.socket_path()
    try:
        return _connect_or_wait(path)
    except DaemonBusy:
        raise
    except DaemonUnreachable:
        if not autostart or (autostart_disabled() and not asked):
            raise
        if path.exists() and path.lstat().st_uid != os.getuid():
            raise
    paths.ensure_private_dir(path.parent)
    lock_path = paths.startup_lock()
    with os.fdopen(paths.open_private(lock_path, os.O_RDWR), "r+") as lock:
        # Several clients racing to start a daemon: one starts it, the rest wait on the lock.
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            return _connect_or_wait(path)
        except DaemonBusy:
            raise
        except DaemonUnreachable:
            pass
        child = spawn_daemon()
        wait = autostart_wait()
        deadline = time.monotonic() + wait
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                return Client.connect(path)
            except DaemonUnreachable as exc:
                last = exc
            code = child.poll()
            if code is not None:
                # It may have lost a race to a daemon that started meanwhile: try once more.
                try:
                    return Client.connect(path)
                except DaemonUnreachable:
                    pass
                raise DaemonUnreachable(
                    f"the daemon exited during startup (exit code {code}):\n"
                    f"{_log_tail()}\nsocket tried: {path}"
                )
            time.sleep(0.05)
        raise DaemonUnreachable(
            f"started a daemon but it did not answer at {path} within {wait:.0f}s "
            f"({last}); see {paths.log_file()}"
        )
