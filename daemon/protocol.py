"""The wire protocol between the daemon and its clients. Standard library only.

A frame is a 4-byte big-endian unsigned length followed by that many bytes of UTF-8 JSON
(one object). Clients send requests, the daemon answers each with a response carrying the
same id; after `events.subscribe` the daemon also pushes event frames on that connection.

    request   {"id": 7, "op": "queue.today", "params": {...}}
    response  {"id": 7, "ok": true, "result": {...}}
              {"id": 7, "ok": false, "error": {"code": "invalid_params", "message": "...",
                                                "field": "until", "ref": null}}
    event     {"event": {"id": 12, "type": "move.updated", "data": {...}}}

The first request on a connection should be `hello`, answered with
`{"protocol": PROTOCOL_VERSION, "version": <package version>}`.
"""

from __future__ import annotations

import json
import math
import socket
import struct
from typing import Any

PROTOCOL_VERSION = 1
MAX_FRAME = 4 * 1024 * 1024
HEADER = struct.Struct(">I")
MAX_DIGITS = 4300  # Python's own limit on converting text to an int


class ErrorCode:
    """Typed error codes on the wire. Clients switch on these, never on messages."""

    BAD_FRAME = "bad_frame"
    FRAME_TOO_LARGE = "frame_too_large"
    UNKNOWN_OPERATION = "unknown_operation"
    INVALID_PARAMS = "invalid_params"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAUTHORIZED = "unauthorized"
    PROTOCOL_MISMATCH = "protocol_mismatch"
    UNAVAILABLE = "unavailable"
    # A service's stored sign-in no longer works: `caseyos auth login SERVICE` fixes it.
    NEEDS_REAUTH = "needs_reauth"
    INTERNAL = "internal"


class ProtocolError(Exception):
    """A frame could not be read or written."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class RemoteError(Exception):
    """The daemon answered a request with an error."""

    def __init__(self, code: str, message: str, field: str | None = None, ref: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.ref = ref

    @classmethod
    def from_wire(cls, err: dict[str, Any]) -> RemoteError:
        return cls(
            str(err.get("code", ErrorCode.INTERNAL)),
            str(err.get("message", "")),
            err.get("field"),
            err.get("ref"),
        )


def encode(obj: dict[str, Any]) -> bytes:
    """One object as a complete frame, always strict JSON in UTF-8.

    A response that cannot be written so (a NaN, a lone surrogate, nesting too deep) goes
    out as an `internal` error instead; anything else that cannot be raises ProtocolError.
    """
    try:
        body = _dumps(obj)
    except (ValueError, TypeError, RecursionError):
        if "ok" not in obj:
            raise ProtocolError(ErrorCode.INTERNAL, "the frame could not be encoded") from None
        fallback = {
            "id": safe_id(obj.get("id")),
            "ok": False,
            "error": error_body(ErrorCode.INTERNAL, "the reply could not be encoded as JSON"),
        }
        body = _dumps(fallback)
    if len(body) > MAX_FRAME:
        raise ProtocolError(
            ErrorCode.FRAME_TOO_LARGE, f"frame of {len(body)} bytes exceeds {MAX_FRAME}"
        )
    return HEADER.pack(len(body)) + body


def _dumps(obj: Any) -> bytes:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)
    return text.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError (a ValueError)


def is_text(value: str) -> bool:
    """Whether a string is Unicode text that UTF-8 can carry (no lone surrogates)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def safe_id(req_id: Any) -> Any:
    """A request id as it may be echoed: a number or text, else null."""
    if isinstance(req_id, str):
        return req_id if is_text(req_id) else None
    if isinstance(req_id, bool) or req_id is None:
        return req_id
    if isinstance(req_id, int):
        return req_id
    if isinstance(req_id, float) and math.isfinite(req_id):
        return req_id
    return None


def shown(text: str, limit: int = 64) -> str:
    """Client-supplied text as a message may quote it: short, and always encodable."""
    short = text if len(text) <= limit else text[:limit] + "…"
    return short.encode("utf-8", "backslashreplace").decode("utf-8")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _whole(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"a number of {digits} digits is too long (at most {MAX_DIGITS:,})")
    return int(literal)


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"number {shown(literal, 32)} is out of range")
    return value


def decode_body(body: bytes) -> dict[str, Any]:
    """Parse a frame body; anything but a JSON object is a bad frame."""
    try:
        obj = json.loads(
            body.decode("utf-8"),
            parse_constant=_no_constant,
            parse_float=_finite,
            parse_int=_whole,
        )
    except RecursionError:
        raise ProtocolError(ErrorCode.BAD_FRAME, "frame nests too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError, and the checks above
        raise ProtocolError(
            ErrorCode.BAD_FRAME, f"frame is not UTF-8 JSON: {shown(str(exc), 200)}"
        ) from None
    if not isinstance(obj, dict):
        raise ProtocolError(ErrorCode.BAD_FRAME, "frame must be a JSON object")
    return obj


def check_length(length: int) -> None:
    if length > MAX_FRAME:
        raise ProtocolError(
            ErrorCode.FRAME_TOO_LARGE, f"frame of {length} bytes exceeds the {MAX_FRAME} limit"
        )


def error_body(
    code: str, message: str, *, field: str | None = None, ref: str | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field, "ref": ref}


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(min(n - len(chunks), 1 << 20))
        if not chunk:
            raise ConnectionError("the daemon closed the connection")
        chunks += chunk
    return bytes(chunks)


def read_frame_blocking(sock: socket.socket) -> dict[str, Any]:
    """Read one frame from a blocking socket (the CLI's side)."""
    (length,) = HEADER.unpack(_recv_exact(sock, HEADER.size))
    check_length(length)
    return decode_body(_recv_exact(sock, length))
