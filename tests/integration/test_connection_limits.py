"""Half-sent frames time out; past the connection cap the longest-idle connection makes room."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from daemon import paths, protocol
from tests.conftest import DaemonProcess, raw_socket

CAP = 12


@pytest.fixture
def limited(daemon_env: dict[str, str]) -> Iterator[DaemonProcess]:
    env = {**daemon_env, "CASEYOS_FRAME_TIMEOUT": "0.5", "CASEYOS_MAX_CONNECTIONS": str(CAP)}
    d = DaemonProcess(env).start()
    yield d
    d.stop()


def raw() -> socket.socket:
    return raw_socket(paths.socket_path(), 30)


def hello(s: socket.socket) -> dict:
    s.sendall(protocol.encode({"id": 1, "op": "hello", "params": {}}))
    return protocol.read_frame_blocking(s)


def test_a_half_sent_frame_is_answered_and_closed(limited: DaemonProcess) -> None:
    for partial in (b"\x00\x00", protocol.encode({"id": 1, "op": "hello"})[:-3]):
        with raw() as s:
            s.sendall(partial)
            reply = protocol.read_frame_blocking(s)
            assert reply["error"]["code"] == "bad_frame"
            assert "not complete within 0.5s" in reply["error"]["message"]
            assert s.recv(1) == b""  # and the daemon hung up
    assert limited.call("system.status")["pid"]


def test_past_the_cap_the_longest_idle_connection_makes_room(limited: DaemonProcess) -> None:
    subscriber = raw()
    subscriber.sendall(protocol.encode({"id": 1, "op": "events.subscribe", "params": {}}))
    assert protocol.read_frame_blocking(subscriber)["ok"]
    idle = [raw() for _ in range(CAP - 1)]
    for s in idle:
        assert hello(s)["ok"]  # each is registered and idle now
    try:
        newcomer = raw()
        assert hello(newcomer)["ok"], "a client of this user always gets in"
        assert idle[0].recv(1) == b"", "the longest-idle connection was closed"
        assert hello(idle[1])["ok"], "the others stay"
        # The event subscription, though the oldest, survives.
        limited.call("queue.add", {"title": "An event for the subscriber"})
        frame = protocol.read_frame_blocking(subscriber)
        assert "event" in frame
        newcomer.close()
    finally:
        subscriber.close()
        for s in idle:
            s.close()
