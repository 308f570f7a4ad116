"""Hostile frames get a typed reply that is valid JSON, and the connection keeps serving."""

from __future__ import annotations

import json
import socket
import struct

import pytest

from daemon import protocol
from daemon.protocol import ErrorCode
from tests.conftest import DaemonProcess, raw_socket


def raw(d: DaemonProcess) -> socket.socket:
    return raw_socket(d.socket, 20)


def send_body(s: socket.socket, body: bytes) -> dict:
    s.sendall(struct.pack(">I", len(body)) + body)
    (length,) = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))
    data = s.recv(length, socket.MSG_WAITALL)
    # Strict JSON: a bare NaN or Infinity in a reply is not JSON.
    reply = json.loads(data.decode("utf-8"), parse_constant=_refuse)
    assert isinstance(reply, dict)
    return reply


def _refuse(name: str) -> None:
    raise AssertionError(f"the reply holds {name}, which is not JSON")


def still_serves(s: socket.socket) -> None:
    again = send_body(s, b'{"id": 99, "op": "queue.today", "params": {}}')
    assert again["ok"] is True and again["id"] == 99


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 10_000 + b"]" * 10_000, id="deep-array"),
        pytest.param(
            b'{"id": 1, "op": "queue.today", "params": ' + b'{"a":' * 10_000, id="deep-obj"
        ),
        pytest.param(b'{"id": 1, "op": "queue.today", "x": ' + b"9" * 5000 + b"}", id="huge-int"),
        pytest.param(b'{"id": NaN, "op": "queue.today"}', id="nan-id"),
        pytest.param(b'{"id": 1, "op": "queue.today", "params": {"limit": Infinity}}', id="inf"),
        pytest.param(b'{"id": 1e999, "op": "queue.today"}', id="overflowing-float"),
        pytest.param(
            b'{"id": ' + b"[" * 900 + b"]" * 900 + b', "op": "queue.today"}', id="deep-id"
        ),
    ],
)
def test_unparseable_frames_get_bad_frame_and_the_connection_survives(
    steady_daemon: DaemonProcess, body: bytes
) -> None:
    with raw(steady_daemon) as s:
        reply = send_body(s, body)
        assert reply["ok"] is False
        assert reply["error"]["code"] == ErrorCode.BAD_FRAME
        assert "Traceback" not in reply["error"]["message"]
        still_serves(s)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        pytest.param({"op": "queue.add", "params": {"title": "a\ud800b"}}, "title", id="surrogate"),
        pytest.param({"op": "queue.add", "params": {"title": "a\x00b"}}, "title", id="nul"),
        pytest.param(
            {"op": "queue.add", "params": {"title": "ok", "why": "x\x00"}}, "why", id="nul-2"
        ),
        pytest.param({"op": "queue.accept", "params": {"id": 2**63}}, "id", id="id-2^63"),
        pytest.param({"op": "queue.accept", "params": {"id": -(2**63) - 1}}, "id", id="id-min"),
        pytest.param({"op": "queue.show", "params": {"id": 2**63}}, "id", id="show-2^63"),
    ],
)
def test_params_the_store_cannot_hold_are_invalid_params(
    steady_daemon: DaemonProcess, request_: dict, field: str
) -> None:
    body = json.dumps({"id": 5, **request_}).encode("utf-8", "surrogatepass")
    with raw(steady_daemon) as s:
        reply = send_body(s, body)
        assert reply["id"] == 5
        assert reply["ok"] is False
        assert reply["error"]["code"] == ErrorCode.INVALID_PARAMS, reply
        assert reply["error"]["field"] == field
        still_serves(s)
    assert steady_daemon.call("queue.today", {})["total"] == 0, "nothing half-stored"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"id": "\\ud800", "op": "queue.today"}', id="surrogate-id"),
        pytest.param(b'{"id": 1, "op": "queue.\\udfff"}', id="surrogate-op"),
        pytest.param(
            b'{"id": 1, "op": "queue.today", "params": {"\\ud800": 1}}', id="surrogate-key"
        ),
    ],
)
def test_lone_surrogates_outside_params_values_still_get_a_json_reply(
    steady_daemon: DaemonProcess, body: bytes
) -> None:
    with raw(steady_daemon) as s:
        reply = send_body(s, body)
        assert reply["ok"] is False
        assert reply["error"]["code"] in (
            ErrorCode.BAD_FRAME,
            ErrorCode.INVALID_PARAMS,
            ErrorCode.UNKNOWN_OPERATION,
        )
        still_serves(s)


def test_unknown_operation_echoes_a_short_prefix_of_a_huge_name(
    steady_daemon: DaemonProcess,
) -> None:
    name = "q" * 3_000_000
    with raw(steady_daemon) as s:
        reply = send_body(s, json.dumps({"id": 1, "op": name}).encode())
        assert reply["error"]["code"] == ErrorCode.UNKNOWN_OPERATION
        assert len(reply["error"]["message"]) < 300
        assert "q" * 64 + "…" in reply["error"]["message"]
        still_serves(s)


def test_a_non_finite_number_in_a_reply_is_never_sent_as_bare_nan() -> None:
    frame = protocol.encode({"id": 1, "ok": True, "result": {"x": float("nan")}})
    reply = json.loads(frame[4:], parse_constant=_refuse)
    assert reply["ok"] is False and reply["error"]["code"] == ErrorCode.INTERNAL
