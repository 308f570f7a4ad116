"""Bad input on the wire gets a typed error; the daemon keeps serving and loses nothing."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from caseyos_cli.client import Client, DaemonUnreachable
from daemon import protocol
from daemon.protocol import ErrorCode, RemoteError
from tests.conftest import DaemonProcess, raw_socket, run_cli


def raw(d: DaemonProcess) -> socket.socket:
    return raw_socket(d.socket, 10)


def send_body(s: socket.socket, body: bytes) -> dict:
    s.sendall(struct.pack(">I", len(body)) + body)
    return protocol.read_frame_blocking(s)


def test_hello_reports_protocol_and_version(steady_daemon: DaemonProcess) -> None:
    with raw(steady_daemon) as s:
        reply = send_body(s, b'{"id": 1, "op": "hello"}')
    assert reply["ok"] is True
    assert reply["result"]["protocol"] == protocol.PROTOCOL_VERSION
    assert reply["result"]["version"] == "0.1.0"


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe\x00", b"[1, 2]", b'"str"', b""])
def test_garbage_frames_get_bad_frame_and_the_connection_survives(
    steady_daemon: DaemonProcess, body: bytes
) -> None:
    with raw(steady_daemon) as s:
        reply = send_body(s, body)
        assert reply["ok"] is False
        assert reply["error"]["code"] == ErrorCode.BAD_FRAME
        again = send_body(s, b'{"id": 2, "op": "queue.today", "params": {}}')
        assert again["ok"] is True and again["id"] == 2


def test_oversized_frame_is_refused_and_daemon_keeps_serving(blank_daemon: DaemonProcess) -> None:
    blank_daemon.call("queue.add", {"title": "keep me"})
    with raw(blank_daemon) as s:
        s.sendall(struct.pack(">I", protocol.MAX_FRAME + 1) + b"x" * 1024)
        reply = protocol.read_frame_blocking(s)
        assert reply["error"]["code"] == ErrorCode.FRAME_TOO_LARGE
        assert s.recv(1) == b"", "the daemon hangs up after an oversized frame"
    assert [m["title"] for m in blank_daemon.call("queue.today", {})["moves"]] == ["keep me"]


def test_truncated_frame_then_hangup_does_not_hurt(steady_daemon: DaemonProcess) -> None:
    with raw(steady_daemon) as s:
        s.sendall(struct.pack(">I", 100) + b'{"id": 1')
    assert steady_daemon.call("queue.today", {})["total"] == 0


def test_unknown_operation_suggests_the_near_one(steady_daemon: DaemonProcess) -> None:
    with pytest.raises(RemoteError) as err:
        steady_daemon.call("queue.todya", {})
    assert err.value.code == ErrorCode.UNKNOWN_OPERATION
    assert "queue.today" in err.value.message


@pytest.mark.parametrize(
    ("op", "params", "field"),
    [
        ("queue.accept", {"id": "seven"}, "id"),
        ("queue.accept", {}, "id"),
        ("queue.today", {"limit": -1}, "limit"),
        ("queue.today", {"limit": 10, "colour": "red"}, "colour"),
        ("queue.add", {"title": ""}, "title"),
        ("outcomes.record", {"move_id": 1, "kind": "sort of"}, "kind"),
        ("operator.init", {"name": "x", "emails": ["nope"]}, "emails"),
        (
            "operator.init",
            {"name": "x", "emails": ["a@b.example"], "timezone": "Mars/Olympus"},
            "timezone",
        ),
    ],
)
def test_wrong_params_name_the_field(
    steady_daemon: DaemonProcess, op: str, params: dict, field: str
) -> None:
    with pytest.raises(RemoteError) as err:
        steady_daemon.call(op, params)
    assert err.value.code == ErrorCode.INVALID_PARAMS
    assert err.value.field is not None and err.value.field.startswith(field)
    assert "Traceback" not in err.value.message


def test_params_must_be_an_object(steady_daemon: DaemonProcess) -> None:
    with raw(steady_daemon) as s:
        reply = send_body(s, json.dumps({"id": 3, "op": "queue.today", "params": [1]}).encode())
    assert reply["error"]["code"] == ErrorCode.INVALID_PARAMS
    assert reply["error"]["field"] == "params"


def test_second_daemon_on_the_same_socket_refuses(steady_daemon: DaemonProcess) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "caseyos_cli", "daemon", "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "already running" in out.stderr
    assert str(steady_daemon.socket) in out.stderr
    assert steady_daemon.call("queue.today", {})["total"] == 0, "the first one still serves"


def test_stale_socket_file_is_replaced(daemon_env: dict[str, str], caseyos_home: Path) -> None:
    from daemon import paths

    sock_path = paths.socket_path()
    paths.ensure_private_dir(sock_path.parent)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock_path))
    stale.close()  # the file stays, nobody listens: what a crashed daemon leaves behind
    assert sock_path.exists()
    d = DaemonProcess(daemon_env).start()
    try:
        assert d.call("system.status", {})["pid"] == d.proc.pid
    finally:
        d.stop()


def test_not_a_socket_is_left_alone(daemon_env: dict[str, str]) -> None:
    from daemon import paths

    sock_path = paths.socket_path()
    paths.ensure_private_dir(sock_path.parent)
    sock_path.write_text("precious")
    out = subprocess.run(
        [sys.executable, "-m", "caseyos_cli", "daemon", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=daemon_env,
    )
    assert out.returncode == 1
    assert "not a socket" in out.stderr
    assert sock_path.read_text() == "precious"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown a socket to another uid")
def test_socket_owned_by_another_uid_is_refused_clearly(blank_daemon: DaemonProcess) -> None:
    os.chown(blank_daemon.socket, 65534, 65534)
    try:
        with pytest.raises(DaemonUnreachable, match="permission denied"):
            Client.connect()
        out = run_cli("queue", "today")
        assert out.returncode == 5
        assert "permission denied" in out.stderr
        assert str(blank_daemon.socket) in out.stderr
    finally:
        os.chown(blank_daemon.socket, 0, 0)


SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.mark.skipif(
    os.geteuid() != 0 or not SYSTEM_PYTHON.exists(),
    reason="needs root and a system python another uid can run",
)
def test_daemon_refuses_peers_of_another_uid(
    daemon_env: dict[str, str], caseyos_home: Path, tmp_path: Path
) -> None:
    import tempfile

    data = caseyos_home / "data"
    data.mkdir(parents=True)
    (data / "active_workspace").write_text("main\n")
    # A socket under /tmp (not the 0700 pytest tree) that uid 65534 can reach at all, so
    # only the daemon's own peer check stands between that user and the daemon.
    sock_dir = Path(tempfile.mkdtemp(prefix="caseyos-peer-", dir="/tmp"))
    sock = sock_dir / "sock"
    env = {**daemon_env, "CASEYOS_SOCKET": str(sock)}
    os.environ["CASEYOS_SOCKET"] = str(sock)
    d = DaemonProcess(env).start()
    try:
        os.chmod(sock_dir, 0o755)
        os.chmod(sock, 0o777)
        script = (
            "import socket, struct, json\n"
            f"s = socket.socket(socket.AF_UNIX); s.connect({str(sock)!r})\n"
            "b = json.dumps({'id': 1, 'op': 'queue.today'}).encode()\n"
            # The daemon may answer and hang up before we finish sending: read regardless.
            "try:\n    s.sendall(struct.pack('>I', len(b)) + b)\n"
            "except BrokenPipeError:\n    pass\n"
            "n = struct.unpack('>I', s.recv(4))[0]; print(s.recv(n).decode())\n"
        )
        out = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", script],
            capture_output=True,
            text=True,
            user=65534,
            timeout=30,
            cwd="/",
            env={},
        )
        assert out.returncode == 0, out.stderr
        reply = json.loads(out.stdout)
        assert reply["error"]["code"] == ErrorCode.UNAUTHORIZED
        os.chmod(sock, 0o600)
        assert d.call("queue.today", {})["total"] == 0, "it still serves its owner"
    finally:
        d.stop()
        del os.environ["CASEYOS_SOCKET"]
        for leftover in sock_dir.iterdir():
            leftover.unlink()
        sock_dir.rmdir()


def test_socket_and_directory_are_private(steady_daemon: DaemonProcess) -> None:
    assert steady_daemon.socket.stat().st_mode & 0o777 == 0o600
    assert steady_daemon.socket.parent.stat().st_mode & 0o777 == 0o700


def test_internal_errors_carry_a_reference_not_a_traceback(blank_daemon: DaemonProcess) -> None:
    import sqlite3

    from daemon import paths

    # The database changes under the daemon's feet (a user poking at it with sqlite3).
    with sqlite3.connect(paths.workspaces_dir() / "main.sqlite3") as db:
        db.execute("DROP TABLE outcomes")
    with pytest.raises(RemoteError) as err:
        blank_daemon.call("outcomes.stats", {})
    assert err.value.code == ErrorCode.INTERNAL
    assert err.value.ref and err.value.ref in err.value.message
    assert "Traceback" not in err.value.message and "sqlite" not in err.value.message.lower()
    assert blank_daemon.call("queue.today", {})["total"] == 0, "it keeps serving"
    log = paths.log_file().read_text()
    assert f"ref {err.value.ref}" in log and "Traceback" in log


def fake_daemon(sock_path: Path, hello: dict, result: dict | None = None) -> socket.socket:
    """A stand-in daemon from another release: answers hello, then one request."""
    import threading

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock_path))
    server.listen(4)

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            protocol.read_frame_blocking(conn)
            conn.sendall(protocol.encode({"id": 1, "ok": True, "result": hello}))
            if result is not None:
                protocol.read_frame_blocking(conn)
                conn.sendall(protocol.encode({"id": 2, "ok": True, "result": result}))

    threading.Thread(target=serve, daemon=True).start()
    return server


def test_version_skew_warns_but_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sock_path = tmp_path / "s"
    monkeypatch.setenv("CASEYOS_SOCKET", str(sock_path))
    server = fake_daemon(
        sock_path,
        {"protocol": protocol.PROTOCOL_VERSION, "version": "0.0.9"},
        {"protocol": 1, "operations": []},
    )
    out = run_cli("api", "list", "--json")
    server.close()
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"protocol": 1, "operations": []}
    assert "daemon runs version 0.0.9" in out.stderr and "daemon restart" in out.stderr


def test_protocol_mismatch_exits_6(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sock_path = tmp_path / "s"
    monkeypatch.setenv("CASEYOS_SOCKET", str(sock_path))
    server = fake_daemon(sock_path, {"protocol": 99, "version": "9.0"})
    out = run_cli("queue", "today")
    server.close()
    assert out.returncode == 6
    said = " ".join(out.stderr.split())  # wrapped to the width
    assert "protocol 99" in said and "caseyos daemon restart" in said


def test_sigterm_shuts_down_cleanly(daemon_env: dict[str, str], caseyos_home: Path) -> None:
    import signal

    from daemon import paths

    (caseyos_home / "data").mkdir(parents=True)
    (caseyos_home / "data" / "active_workspace").write_text("main\n")
    d = DaemonProcess(daemon_env).start()
    hello = d.client().server
    assert hello["pid"] == d.proc.pid and len(hello["boot_id"]) == 12
    assert d.stop(sig=signal.SIGTERM) == 0
    assert not paths.socket_path().exists()
    assert not paths.pid_file().exists()
    assert "stopped" in paths.log_file().read_text()
