"""A socket that is not a CaseyOS daemon: one line naming it, exit 6, from every command."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli

Answer = Callable[[socket.socket], None]


def _http_400(conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request")


def _short_garbage(conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(b"hi\n")


def _json_but_not_hello(conn: socket.socket) -> None:
    conn.recv(4096)
    body = b'{"id": 1, "ok": true, "result": {"greeting": "hello"}}'
    conn.sendall(struct.pack(">I", len(body)) + body)


def _not_json(conn: socket.socket) -> None:
    conn.recv(4096)
    body = b"<html>nope</html>"
    conn.sendall(struct.pack(">I", len(body)) + body)


class ForeignServer:
    """A Unix socket server of another kind, answering every connection the same way."""

    def __init__(self, path: Path, answer: Answer):
        self.path = path
        self.answer = answer
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                self.answer(conn)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=[_http_400, _short_garbage, _json_but_not_hello, _not_json])
def foreign(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "foreign.sock"
    server = ForeignServer(path, request.param)
    yield path
    server.close()


COMMANDS = [
    [],
    ["daemon", "status"],
    ["queue", "today"],
    ["queue", "today", "--json"],
    ["demo"],
    ["daemon", "stop"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "caseyos")
def test_every_command_says_the_socket_is_not_ours(foreign: Path, args: list[str]) -> None:
    env = {**os.environ, "CASEYOS_SOCKET": str(foreign)}
    env.pop("CASEYOS_NO_AUTOSTART", None)  # even allowed to start one, it must not try
    done = run_cli(*args, env=env)
    assert done.returncode == 6, done
    # One message (wrapped to the terminal's width: continuation lines are indented).
    first, *rest = done.stderr.strip().splitlines()
    assert first.startswith("caseyos:") and all(line.startswith("  ") for line in rest)
    message = " ".join(done.stderr.split())
    assert f"{foreign} is not a CaseyOS daemon" in message, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_http_answer_is_quoted(tmp_path: Path) -> None:
    path = tmp_path / "http.sock"
    server = ForeignServer(path, _http_400)
    try:
        done = run_cli("queue", "today", env={**os.environ, "CASEYOS_SOCKET": str(path)})
    finally:
        server.close()
    assert "HTTP/1.1 400 Bad Request" in " ".join(done.stderr.split())


def test_a_silent_socket_is_reported_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "silent.sock"
    released = threading.Event()
    # Accepts, then says nothing until the test is over.
    server = ForeignServer(path, lambda conn: released.wait() and None)
    env = {**os.environ, "CASEYOS_SOCKET": str(path), "CASEYOS_HELLO_TIMEOUT": "0.3"}
    try:
        done = run_cli("queue", "today", env=env)
    finally:
        released.set()
        server.close()
    assert done.returncode == 5, done
    message = " ".join(done.stderr.split())
    assert "sent no hello" in message and str(path) in message
    assert "Traceback" not in done.stderr
